/** Runs one NotificationSocket for the logged-in seller and shares its status and subscriptions. */
import { createContext, ReactNode, useContext, useEffect, useMemo, useRef, useState } from "react";
import { ApiError } from "../api/errors";
import { useServices } from "../api/services";
import { NotificationSocket, NotificationSocketOptions, SocketStatus } from "./notificationSocket";

interface Live {
  status: SocketStatus;
  isConnected: boolean;
  socket: NotificationSocket | null;
}

const LiveContext = createContext<Live>({ status: "idle", isConnected: false, socket: null });

export function LiveProvider({ children, socketOptions }: {
  children: ReactNode;
  /** Tests inject a fake socket factory and timers. */
  socketOptions?: Partial<NotificationSocketOptions>;
}) {
  const { api } = useServices();
  const [status, setStatus] = useState<SocketStatus>("idle");
  // Read once: a new options object on a parent re-render must not open a second socket.
  const options = useRef(socketOptions).current;
  const socket = useMemo(() => new NotificationSocket({
    getToken: () => api.accessToken(),
    refreshToken: async () => {
      try {
        await api.refresh();
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return false;
        throw error;
      }
    },
    ...options,
  }), [api, options]);

  useEffect(() => {
    const offStatus = socket.onStatus(setStatus);
    socket.start();
    const online = () => socket.reconnectNow();
    const visible = () => { if (document.visibilityState === "visible") socket.reconnectNow(); };
    window.addEventListener("online", online);
    document.addEventListener("visibilitychange", visible);
    return () => {
      window.removeEventListener("online", online);
      document.removeEventListener("visibilitychange", visible);
      offStatus();
      socket.stop();
    };
  }, [socket]);

  const value = useMemo(() => ({ status, isConnected: status === "open", socket }), [status, socket]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  return useContext(LiveContext);
}

/** The polling interval of the seed: 30 s while the WebSocket is connected, 15 s as the fallback. */
export function usePollInterval(connectedMs = 30_000, fallbackMs = 15_000): number {
  return useLive().isConnected ? connectedMs : fallbackMs;
}
