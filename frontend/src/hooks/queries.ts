/** TanStack Query hooks of the dashboard: WebSocket first, polling every 30 s (15 s without the socket). */
import { useQuery } from "@tanstack/react-query";
import { useServices } from "../api/services";
import { usePollInterval } from "../realtime/LiveProvider";
import { queryKeys } from "./queryKeys";

/** Slow-moving analytics are polled at 4× the interval to stay well inside the API's per-IP limit. */
const SLOW = 4;

export function useMe() {
  const { auth } = useServices();
  return useQuery({ queryKey: queryKeys.me, queryFn: auth.me, staleTime: 5 * 60_000 });
}

export function useBotTasks() {
  const { bot } = useServices();
  return useQuery({ queryKey: queryKeys.botTasks, queryFn: bot.listTasks, refetchInterval: usePollInterval() });
}

export function useBotProfiles() {
  const { bot } = useServices();
  return useQuery({ queryKey: queryKeys.botProfiles, queryFn: bot.listProfiles, refetchInterval: usePollInterval() });
}

export function useBotStats() {
  const { bot } = useServices();
  return useQuery({ queryKey: queryKeys.botStats, queryFn: bot.stats, refetchInterval: usePollInterval() });
}

export function useWorkerStatus() {
  const { bot } = useServices();
  return useQuery({ queryKey: queryKeys.botWorkerStatus, queryFn: bot.workerStatus, refetchInterval: usePollInterval() });
}

export function useSellerBotConversations(channel = "") {
  const { chatbot } = useServices();
  return useQuery({
    queryKey: [...queryKeys.sellerBotConversations, channel],
    queryFn: () => chatbot.listConversations(channel),
    refetchInterval: usePollInterval(),
  });
}

export function useSellerBotStats(period: string) {
  const { chatbot } = useServices();
  return useQuery({
    queryKey: [...queryKeys.sellerBotStats, period],
    queryFn: () => chatbot.stats(period),
    refetchInterval: usePollInterval(),
  });
}

export function useIntentStats(period: string, channel = "") {
  const { chatbot } = useServices();
  const interval = usePollInterval() * SLOW;
  return useQuery({
    queryKey: [...queryKeys.sellerBotIntents, period, channel],
    queryFn: () => chatbot.intentStats(period, channel),
    refetchInterval: interval,
  });
}

export function useFunnel(period: string, channel = "") {
  const { chatbot } = useServices();
  const interval = usePollInterval() * SLOW;
  return useQuery({
    queryKey: [...queryKeys.sellerBotFunnel, period, channel],
    queryFn: () => chatbot.funnel(period, channel),
    refetchInterval: interval,
  });
}

export function useBotConfig() {
  const { chatbot } = useServices();
  return useQuery({ queryKey: queryKeys.sellerBotConfig, queryFn: chatbot.config, staleTime: 60_000 });
}

export function useProducts(q: string) {
  const { chatbot } = useServices();
  return useQuery({
    queryKey: [...queryKeys.sellerBotProducts, q],
    queryFn: () => chatbot.listProducts(q),
    staleTime: 30_000,
    placeholderData: (previous) => previous,
  });
}

export function useChannelAccounts() {
  const { chatbot } = useServices();
  return useQuery({ queryKey: queryKeys.sellerBotChannels, queryFn: chatbot.listChannels, staleTime: 60_000 });
}

export function useTeamMembers() {
  const { team } = useServices();
  return useQuery({ queryKey: queryKeys.teamMembers, queryFn: team.members, staleTime: 60_000 });
}

/** Only members who manage the team may list invitations (the others would get 403). */
export function useTeamInvitations(enabled: boolean) {
  const { team } = useServices();
  return useQuery({ queryKey: queryKeys.teamInvitations, queryFn: team.invitations, staleTime: 60_000, enabled });
}

export function useDeadLetters() {
  const { chatbot } = useServices();
  return useQuery({
    queryKey: queryKeys.sellerBotDeadLetters,
    queryFn: chatbot.listDeadLetters,
    refetchInterval: usePollInterval() * SLOW,
  });
}
