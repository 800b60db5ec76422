/** Every gateway route the dashboard calls, one function each, returning normalized shapes. */
import type { ApiClient } from "./client";
import { Json, list } from "./normalize";
import {
  toBotConfig, toBotStats, toChannelAccount, toChatStats, toConversation, toDeadLetter, toFunnel,
  toImportResult, toIntentStats, toInvitation, toMessageReply, toProduct, toProfile, toTask, toTeamMember, toUser,
  toWorkerStatus,
} from "./types";
import type { Role } from "./types";

const enc = encodeURIComponent;

export interface ProfileInput {
  name: string;
  login: string;
  password: string;
  region?: string;
  seller_center_url?: string;
  proxy?: string;
  timezone?: string;
  active_hours?: string;
  daily_caps?: Record<string, number>;
}

export interface TaskInput {
  task_type: string;
  profile_id: string;
  config: Json;
}

export interface ProductInput {
  id?: string;
  sku: string;
  name: string;
  description?: string;
  price: number;
  currency?: string;
  stock?: number;
  synonyms?: string[];
  shipping_policy?: string;
  return_policy?: string;
  variants?: string[];
  gender?: "" | "masculine" | "feminine";
}

export interface ChannelAccountInput {
  channel: string;
  account_key: string;
  display_name?: string;
  settings?: Json;
  secrets?: Record<string, string>;
}

export interface MessageInput {
  contact_id: string;
  message: string;
  channel: string;
  deliver?: boolean;
  contact_name?: string;
}

export function authApi(api: ApiClient) {
  return {
    me: async () => toUser(await api.get("/auth/me")),
  };
}

export function teamApi(api: ApiClient) {
  return {
    members: async () => list(await api.get("/team/members")).map(toTeamMember),
    changeRole: async (userId: string, role: Role) => toTeamMember(await api.patch(`/team/members/${enc(userId)}`, { role })),
    removeMember: (userId: string) => api.delete<Json>(`/team/members/${enc(userId)}`),
    invitations: async () => list(await api.get("/team/invitations")).map(toInvitation),
    invite: async (email: string, role: Role) => toInvitation(await api.post("/team/invitations", { email, role })),
    revokeInvitation: (id: string) => api.delete<Json>(`/team/invitations/${enc(id)}`),
    /** Public: the invitee has no session yet. */
    accept: async (token: string, password: string) =>
      toTeamMember(await api.post("/team/invitations/accept", { token, password }, { auth: false })),
  };
}

export function botApi(api: ApiClient) {
  return {
    listTasks: async () => list(await api.get("/bot/tasks", { query: { limit: 200 } })).map(toTask),
    createTask: async (input: TaskInput) => toTask(await api.post("/bot/tasks", input)),
    deleteTask: (id: string) => api.delete<Json>(`/bot/tasks/${enc(id)}`),
    taskArtifact: (taskId: string, name: string) =>
      api.get<Blob>(`/bot/tasks/${enc(taskId)}/artifacts/${enc(name)}`, { responseType: "blob" }),
    stats: async () => toBotStats(await api.get("/bot/stats")),
    listProfiles: async () => list(await api.get("/bot/profiles")).map(toProfile),
    createProfile: async (input: ProfileInput) => toProfile(await api.post("/bot/profiles", input)),
    deleteProfile: (id: string) => api.delete<Json>(`/bot/profiles/${enc(id)}`),
    verifyProfile: async (id: string, code?: string) =>
      toProfile(await api.post(`/bot/profiles/${enc(id)}/verify`, code ? { code } : {})),
    workerStatus: async () => toWorkerStatus(await api.get("/bot/worker-status")),
    startWorker: async (maxParallelProfiles: number) =>
      toWorkerStatus(await api.post("/bot/start", { max_parallel_profiles: maxParallelProfiles })),
    stopWorker: async (reason: string) => toWorkerStatus(await api.post("/bot/stop", { reason })),
  };
}

export function chatbotApi(api: ApiClient) {
  return {
    listConversations: async (channel = "") =>
      list(await api.get("/seller-bot/conversations", { query: { channel, limit: 200 } })).map(toConversation),
    clearConversations: () => api.delete<Json>("/seller-bot/conversations"),
    handoff: async (id: string, reason: string) =>
      toConversation(await api.post(`/seller-bot/conversations/${enc(id)}/handoff`, { reason })),
    release: async (id: string) => toConversation(await api.post(`/seller-bot/conversations/${enc(id)}/release`)),
    convert: async (id: string, orderId: string, amount: number) =>
      toConversation(await api.post(`/seller-bot/conversations/${enc(id)}/convert`, { order_id: orderId, amount })),
    sendMessage: async (input: MessageInput) => toMessageReply(await api.post("/seller-bot/message", input)),
    stats: async (period: string) => toChatStats(await api.get("/seller-bot/stats", { query: { period } })),
    intentStats: async (period: string, channel = "") =>
      toIntentStats(await api.get("/seller-bot/stats/intents", { query: { period, channel } })),
    funnel: async (period: string, channel = "") =>
      toFunnel(await api.get("/seller-bot/stats/funnel", { query: { period, channel } })),
    config: async () => toBotConfig(await api.get("/seller-bot/config")),
    updateConfig: async (patch: Json) => toBotConfig(await api.patch("/seller-bot/config", patch)),
    listProducts: async (q = "") => list(await api.get("/seller-bot/products", { query: { q } })).map(toProduct),
    upsertProduct: async (input: ProductInput) => toProduct(await api.post("/seller-bot/products", input)),
    deleteProduct: (id: string) => api.delete<Json>(`/seller-bot/products/${enc(id)}`),
    importProducts: async (csv: string) =>
      toImportResult(await api.post("/seller-bot/products/import", undefined, { rawBody: csv, contentType: "text/csv" })),
    listChannels: async () => list(await api.get("/seller-bot/channels")).map(toChannelAccount),
    registerChannel: async (input: ChannelAccountInput) => toChannelAccount(await api.post("/seller-bot/channels", input)),
    deleteChannel: (id: string) => api.delete<Json>(`/seller-bot/channels/${enc(id)}`),
    listDeadLetters: async () => list(await api.get("/seller-bot/dead-letters", { query: { limit: 100 } })).map(toDeadLetter),
    retryDeadLetter: async (id: string) => toDeadLetter(await api.post(`/seller-bot/dead-letters/${enc(id)}/retry`)),
  };
}

export type BotApi = ReturnType<typeof botApi>;
export type ChatbotApi = ReturnType<typeof chatbotApi>;
