/** A mutation that refreshes the given queries on success and reports the result (or the API error) as a toast. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { describeError } from "../api/errors";
import { useToast } from "../components/Toasts";

export function useAction<TArgs, TResult>(run: (args: TArgs) => Promise<TResult>, options: {
  invalidate?: readonly (readonly unknown[])[];
  success?: string | ((result: TResult, args: TArgs) => string | null);
  /** Show the error inline instead of a toast. */
  silentError?: boolean;
} = {}) {
  const client = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: run,
    onSuccess: (result, args) => {
      for (const key of options.invalidate ?? []) void client.invalidateQueries({ queryKey: key });
      const message = typeof options.success === "function" ? options.success(result, args) : options.success;
      if (message) toast.success(message);
    },
    onError: (error) => {
      if (options.silentError) return;
      const { title, detail, fields } = describeError(error);
      toast.error(title, [detail, ...fields.map((f) => `${f.field}: ${f.message}`)].filter(Boolean).join(" · "));
    },
  });
}
