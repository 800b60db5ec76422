/** The dashboard shell: the login page until there is a session, then the Seller Bot dashboard. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApiClient } from "./api/client";
import { ApiError } from "./api/errors";
import { ServicesProvider } from "./api/services";
import { Session, SESSION_STORAGE_KEY } from "./api/tokens";
import { ToastProvider } from "./components/Toasts";
import { LoginPage } from "./pages/LoginPage";
import { SellerBot } from "./pages/SellerBot";
import { LiveProvider } from "./realtime/LiveProvider";
import type { NotificationSocketOptions } from "./realtime/notificationSocket";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        // 4xx answers will not change by asking again; 429 is retried once after the advertised wait.
        retry: (failures, error) => {
          if (error instanceof ApiError) {
            if (error.status === 429) return failures < 1;
            if (error.status >= 400 && error.status < 500) return false;
          }
          return failures < 2;
        },
        retryDelay: (failures, error) =>
          error instanceof ApiError && error.retryAfter ? error.retryAfter * 1000 : Math.min(8_000, 1_000 * 2 ** failures),
      },
      mutations: { retry: false },
    },
  });
}

export function App({ api, queryClient, socketOptions }: {
  api: ApiClient;
  queryClient: QueryClient;
  socketOptions?: Partial<NotificationSocketOptions>;
}) {
  const [session, setSession] = useState<Session | null>(api.currentSession);
  const [expired, setExpired] = useState(false);

  useEffect(() => api.onSessionChange((next, reason) => {
    setSession(next);
    if (!next) {
      setExpired(reason === "expired");
      queryClient.clear();
    } else {
      setExpired(false);
    }
  }), [api, queryClient]);

  useEffect(() => {
    const onStorage = (event: StorageEvent) => { if (event.key === SESSION_STORAGE_KEY) api.syncFromStorage(); };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [api]);

  return (
    <QueryClientProvider client={queryClient}>
      <ServicesProvider api={api}>
        <ToastProvider>
          {session ? (
            <LiveProvider socketOptions={socketOptions}>
              <SellerBot />
            </LiveProvider>
          ) : (
            <LoginPage sessionExpired={expired} />
          )}
        </ToastProvider>
      </ServicesProvider>
    </QueryClientProvider>
  );
}
