/** The value after it stopped changing for `ms`: typing in a search box sends one request, not one per key. */
import { useEffect, useState } from "react";

export function useDebounced<T>(value: T, ms = 350): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
