/** Renders a component inside the dashboard's providers, talking to a fake gateway. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { ReactElement } from "react";
import { ServicesProvider } from "../api/services";
import { ToastProvider } from "../components/Toasts";
import { Handler, testClient } from "./fakeApi";

export function renderWithApi(ui: ReactElement, routes: Record<string, Handler>) {
  const { api, calls } = testClient(routes);
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const view = render(
    <QueryClientProvider client={queryClient}>
      <ServicesProvider api={api}>
        <ToastProvider>{ui}</ToastProvider>
      </ServicesProvider>
    </QueryClientProvider>,
  );
  return { ...view, api, calls, queryClient };
}
