/** The API client and endpoint groups, provided once to the whole tree (tests pass their own). */
import { createContext, ReactNode, useContext, useMemo } from "react";
import { ApiClient } from "./client";
import { authApi, botApi, chatbotApi, teamApi } from "./endpoints";

export interface Services {
  api: ApiClient;
  auth: ReturnType<typeof authApi>;
  bot: ReturnType<typeof botApi>;
  chatbot: ReturnType<typeof chatbotApi>;
  team: ReturnType<typeof teamApi>;
}

const ServicesContext = createContext<Services | null>(null);

export function makeServices(api: ApiClient): Services {
  return { api, auth: authApi(api), bot: botApi(api), chatbot: chatbotApi(api), team: teamApi(api) };
}

export function ServicesProvider({ api, children }: { api: ApiClient; children: ReactNode }) {
  const services = useMemo(() => makeServices(api), [api]);
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices outside ServicesProvider");
  return services;
}
