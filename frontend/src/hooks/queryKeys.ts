/** Query keys of the seed (`['botTasks']`, `['sellerBotConversations']`, …) in one place. */
export const queryKeys = {
  me: ["me"] as const,
  botTasks: ["botTasks"] as const,
  botProfiles: ["botProfiles"] as const,
  botStats: ["botStats"] as const,
  botWorkerStatus: ["botWorkerStatus"] as const,
  sellerBotConversations: ["sellerBotConversations"] as const,
  sellerBotStats: ["sellerBotStats"] as const,
  sellerBotIntents: ["sellerBotIntents"] as const,
  sellerBotFunnel: ["sellerBotFunnel"] as const,
  sellerBotConfig: ["sellerBotConfig"] as const,
  sellerBotProducts: ["sellerBotProducts"] as const,
  sellerBotChannels: ["sellerBotChannels"] as const,
  sellerBotDeadLetters: ["sellerBotDeadLetters"] as const,
  teamMembers: ["teamMembers"] as const,
  teamInvitations: ["teamInvitations"] as const,
};
