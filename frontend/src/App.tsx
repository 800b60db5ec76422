/** The dashboard shell: the login page until there is a session, then the Seller Bot dashboard. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApiClient } from "./api/client";
import { ApiError } from "./api/errors";
import { ServicesProvider } from "./api/services";
import { Session, SESSION_STORAGE_KEY } from "./api/tokens";
import { ToastProvider } from "./components/Toasts";
import { AcceptInvitationPage, invitationToken } from "./pages/AcceptInvitationPage";
import { LoginPage } from "./pages/LoginPage";
import { SellerBot } from "./pages/SellerBot";
import { LiveProvider } from "./realtime/LiveProvider";
import type { NotificationSocketOptions } from "./realtime/notificationSocket";

function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 429 || error.status === 502 || error.status === 504
    || error.error === "service_unavailable";
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live notifications invalidate what changed, so switching tabs need not refetch everything.
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // Every request counts against the API's per-IP limit (30/min by default): retry only what a second
        // try can fix — a lost connection, a gateway timeout, a 429 after its Retry-After — and only once.
        retry: (failures, error) => failures < 1 && isTransient(error),
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
  const [invitation, setInvitation] = useState<string | null>(() => invitationToken());

  useEffect(() => {
    // Opening an invitation link in a tab already on the dashboard only changes the hash.
    const onHash = () => setInvitation(invitationToken());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  function leaveInvitation() {
    setInvitation(null);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }

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
          ) : invitation ? (
            <AcceptInvitationPage token={invitation} onDone={leaveInvitation} />
          ) : (
            <LoginPage sessionExpired={expired} />
          )}
        </ToastProvider>
      </ServicesProvider>
    </QueryClientProvider>
  );
}
