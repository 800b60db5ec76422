/** The shapes the dashboard works with, read from the gateway's JSON (api/routes/*.py) with safe defaults. */
import { Json, bool, list, num, obj, optDate, pick, str, strList } from "./normalize";

export const TASK_TYPES = [
  "reply_comments", "reply_reviews", "reply_messages", "invite_creators", "sync_catalog", "sync_orders",
] as const;
/** Task types that act on the platform and so have a daily cap per profile (the syncs only read). */
export const CAPPED_TASK_TYPES = TASK_TYPES.filter((t) => !t.startsWith("sync_"));
export type TaskType = (typeof TASK_TYPES)[number];

export interface BotTask {
  id: string;
  taskType: string;
  profileId: string;
  config: Json;
  status: string;
  progressDone: number;
  progressTotal: number;
  result: Json;
  error: string;
  retryCount: number;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationSeconds: number;
  artifacts: string[];
}

export function toTask(raw: unknown): BotTask {
  const t = obj(raw);
  return {
    id: str(t.id),
    taskType: str(t.task_type),
    profileId: str(t.profile_id),
    config: obj(t.config),
    status: str(t.status, "queued"),
    progressDone: num(t.progress_done),
    progressTotal: num(t.progress_total),
    result: obj(t.result),
    error: str(t.error),
    retryCount: num(t.retry_count),
    createdAt: optDate(t.created_at),
    startedAt: optDate(t.started_at),
    finishedAt: optDate(t.finished_at),
    durationSeconds: num(t.duration_seconds),
    artifacts: strList(t.artifacts),
  };
}

export interface BotProfile {
  id: string;
  name: string;
  region: string;
  sellerCenterUrl: string;
  login: string;
  hasProxy: boolean;
  status: string;
  statusReason: string;
  lastVerifiedAt: string | null;
  createdAt: string | null;
  dailyCaps: Record<string, number>;
  activeHours: string;
}

export function toProfile(raw: unknown): BotProfile {
  const p = obj(raw);
  const caps = obj(p.daily_caps);
  return {
    id: str(p.id),
    name: str(p.name),
    region: str(p.region),
    sellerCenterUrl: str(p.seller_center_url),
    login: str(p.login),
    hasProxy: bool(p.has_proxy),
    status: str(p.status, "unverified"),
    statusReason: str(p.status_reason),
    lastVerifiedAt: optDate(p.last_verified_at),
    createdAt: optDate(p.created_at),
    dailyCaps: Object.fromEntries(Object.entries(caps).map(([k, v]) => [k, num(v)])),
    activeHours: str(p.active_hours),
  };
}

export interface BotStats {
  totalTasks: number;
  byStatus: Record<string, number>;
  byType: Record<string, number>;
  successRate: number;
  averageDurationSeconds: number;
  activeProfiles: number;
  totalProfiles: number;
  workerRunning: boolean;
}

function counts(value: unknown): Record<string, number> {
  // Either {key: count} or [{key, count}].
  if (Array.isArray(value)) {
    return Object.fromEntries(value.map((c) => [str(obj(c).key), num(obj(c).count)]));
  }
  return Object.fromEntries(Object.entries(obj(value)).map(([k, v]) => [k, num(v)]));
}

export function toBotStats(raw: unknown): BotStats {
  const s = obj(raw);
  return {
    totalTasks: num(s.total_tasks),
    byStatus: counts(s.by_status),
    byType: counts(s.by_type),
    successRate: num(s.success_rate),
    averageDurationSeconds: num(s.average_duration_seconds),
    activeProfiles: num(s.active_profiles),
    totalProfiles: num(s.total_profiles),
    workerRunning: bool(s.worker_running),
  };
}

export interface WorkerStatus {
  workerId: string;
  running: boolean;
  startedAt: string | null;
  lastHeartbeatAt: string | null;
  activeTasks: number;
  queuedTasks: number;
  profiles: string[];
  maxParallelProfiles: number;
}

export function toWorkerStatus(raw: unknown): WorkerStatus {
  const w = obj(raw);
  return {
    workerId: str(w.worker_id),
    running: bool(w.running),
    startedAt: optDate(w.started_at),
    lastHeartbeatAt: optDate(w.last_heartbeat_at),
    activeTasks: num(w.active_tasks),
    queuedTasks: num(w.queued_tasks),
    profiles: strList(w.profiles),
    maxParallelProfiles: num(w.max_parallel_profiles),
  };
}

export interface Conversation {
  id: string;
  contactId: string;
  channel: string;
  contactName: string;
  lastMessage: string;
  lastIntent: string;
  stage: string;
  handoffState: string;
  messageCount: number;
  updatedAt: string | null;
  promptVariant: string;
  converted: boolean;
}

export function toConversation(raw: unknown): Conversation {
  const c = obj(raw);
  return {
    id: str(pick(c, "id", "conversation_id", "contact_id")),
    contactId: str(c.contact_id),
    channel: str(c.channel),
    contactName: str(c.contact_name),
    lastMessage: str(c.last_message),
    lastIntent: str(pick(c, "last_intent", "intent")),
    stage: str(c.stage),
    handoffState: str(c.handoff_state, "bot") || "bot",
    messageCount: num(c.message_count),
    updatedAt: optDate(c.updated_at),
    promptVariant: str(c.prompt_variant),
    converted: bool(c.converted),
  };
}

export interface ChannelStats {
  channel: string;
  messagesIn: number;
  messagesOut: number;
  activeConversations: number;
  handoffs: number;
  averageResponseSeconds: number;
}

export interface ChatStats extends Omit<ChannelStats, "channel"> {
  perChannel: ChannelStats[];
  period: string;
}

function toChannelStats(raw: unknown): ChannelStats {
  const c = obj(raw);
  return {
    channel: str(c.channel),
    messagesIn: num(c.messages_in),
    messagesOut: num(c.messages_out),
    activeConversations: num(c.active_conversations),
    handoffs: num(c.handoffs),
    averageResponseSeconds: num(c.average_response_seconds),
  };
}

export function toChatStats(raw: unknown): ChatStats {
  const s = obj(raw);
  const { channel: _ignored, ...totals } = toChannelStats(s);
  return { ...totals, perChannel: list(s.per_channel).map(toChannelStats), period: str(s.period) };
}

export interface IntentCount {
  intent: string;
  count: number;
  share: number;
}

export interface IntentStats {
  intents: IntentCount[];
  total: number;
  period: string;
}

export function toIntentStats(raw: unknown): IntentStats {
  const s = obj(raw);
  const intents = list(s.intents).map((i) => {
    const o = obj(i);
    return { intent: str(o.intent, "other"), count: num(o.count), share: num(o.share) };
  });
  const total = num(s.total, intents.reduce((sum, i) => sum + i.count, 0));
  // A share may be missing or given in percent: recompute from counts when it does not look like a fraction.
  for (const i of intents) if (!(i.share > 0 && i.share <= 1) && total > 0) i.share = i.count / total;
  intents.sort((a, b) => b.count - a.count);
  return { intents, total, period: str(s.period) };
}

export interface FunnelStage {
  stage: string;
  count: number;
  conversionRate: number;
}

export interface FunnelBreakdown {
  key: string;
  stages: FunnelStage[];
}

export interface Funnel {
  stages: FunnelStage[];
  perChannel: FunnelBreakdown[];
  perPromptVariant: FunnelBreakdown[];
  period: string;
}

function toStages(value: unknown): FunnelStage[] {
  return list(value).map((s) => {
    const o = obj(s);
    return { stage: str(o.stage), count: num(o.count), conversionRate: num(o.conversion_rate) };
  });
}

function toBreakdowns(value: unknown): FunnelBreakdown[] {
  return list(value).map((b) => ({ key: str(obj(b).key), stages: toStages(obj(b).stages) }));
}

export function toFunnel(raw: unknown): Funnel {
  const f = obj(raw);
  return {
    stages: toStages(f.stages),
    perChannel: toBreakdowns(f.per_channel),
    perPromptVariant: toBreakdowns(f.per_prompt_variant),
    period: str(f.period),
  };
}

export interface BotConfig {
  settings: Json;
  version: number;
  updatedAt: string | null;
  updatedBy: string;
}

export function toBotConfig(raw: unknown): BotConfig {
  const c = obj(raw);
  return {
    settings: obj(c.settings),
    version: num(c.version),
    updatedAt: optDate(c.updated_at),
    updatedBy: str(c.updated_by),
  };
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: number;
  currency: string;
  stock: number;
  synonyms: string[];
  shippingPolicy: string;
  returnPolicy: string;
  variants: string[];
  /** How the bot writes the article before the name: "masculine" ("o"), "feminine" ("a"), "" = inferred. */
  gender: string;
  /** Where the product came from: manual, csv, tiktok_shop; "" when the API does not say (older gateway). */
  source: string;
  /** When a sync last wrote it (TikTok Shop products); null for hand-made ones or an older gateway. */
  syncedAt: string | null;
}

export function toProduct(raw: unknown): Product {
  const p = obj(raw);
  return {
    id: str(p.id),
    sku: str(p.sku),
    name: str(p.name),
    description: str(p.description),
    price: num(p.price),
    currency: str(p.currency, "BRL") || "BRL",
    stock: num(p.stock),
    synonyms: strList(p.synonyms),
    shippingPolicy: str(p.shipping_policy),
    returnPolicy: str(p.return_policy),
    variants: strList(p.variants),
    gender: str(p.gender),
    source: str(p.source),
    syncedAt: optDate(p.synced_at),
  };
}

export interface ImportResult {
  imported: number;
  updated: number;
  errors: string[];
}

export function toImportResult(raw: unknown): ImportResult {
  const r = obj(raw);
  return { imported: num(r.imported), updated: num(r.updated), errors: strList(r.errors) };
}

export interface ChannelAccount {
  id: string;
  channel: string;
  accountKey: string;
  displayName: string;
  settings: Json;
  secretFields: string[];
  createdAt: string | null;
}

export function toChannelAccount(raw: unknown): ChannelAccount {
  const a = obj(raw);
  return {
    id: str(a.id),
    channel: str(a.channel),
    accountKey: str(a.account_key),
    displayName: str(a.display_name),
    settings: obj(a.settings),
    secretFields: strList(a.secret_fields),
    createdAt: optDate(a.created_at),
  };
}

export interface DeadLetter {
  id: string;
  channel: string;
  contactId: string;
  text: string;
  error: string;
  attempts: number;
  failedAt: string | null;
  status: string;
}

export function toDeadLetter(raw: unknown): DeadLetter {
  const d = obj(raw);
  return {
    id: str(d.id),
    channel: str(d.channel),
    contactId: str(d.contact_id),
    text: str(d.text),
    error: str(d.error),
    attempts: num(d.attempts),
    failedAt: optDate(d.failed_at),
    status: str(d.status, "dead") || "dead",
  };
}

export interface MessageReply {
  reply: string;
  intent: string;
  confidence: number;
  conversationId: string;
  handoffState: string;
  stage: string;
  delivered: boolean;
}

export function toMessageReply(raw: unknown): MessageReply {
  const r = obj(raw);
  return {
    reply: str(r.reply),
    intent: str(r.intent),
    confidence: num(r.confidence),
    conversationId: str(r.conversation_id),
    handoffState: str(r.handoff_state),
    stage: str(r.stage),
    delivered: bool(r.delivered),
  };
}

export type Role = "owner" | "admin" | "agent" | "viewer";
export const ROLES: readonly Role[] = ["owner", "admin", "agent", "viewer"];

function toRole(value: unknown): Role {
  const role = str(value);
  return (ROLES as readonly string[]).includes(role) ? (role as Role) : "viewer";
}

export interface CurrentUser {
  id: string;
  email: string;
  isAdmin: boolean;
  shopId: string;
  role: Role;
  /** What the role may do (gateway/api_gateway/auth/permissions.py); the server enforces it anyway. */
  permissions: string[];
}

export function toUser(raw: unknown): CurrentUser {
  const u = obj(raw);
  return { id: str(u.id), email: str(u.email), isAdmin: bool(u.is_admin), shopId: str(u.shop_id),
    role: toRole(u.role), permissions: strList(u.permissions) };
}

export interface TeamMember {
  userId: string;
  email: string;
  role: Role;
  joinedAt: string | null;
}

export function toTeamMember(raw: unknown): TeamMember {
  const m = obj(raw);
  return { userId: str(m.user_id), email: str(m.email), role: toRole(m.role), joinedAt: optDate(m.joined_at) };
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: string;
  expiresAt: string | null;
  /** Only in the answer to the invitation's creation: the server keeps its hash, never the token. */
  token?: string;
  acceptPath?: string;
}

export function toInvitation(raw: unknown): Invitation {
  const i = obj(raw);
  const invitation: Invitation = { id: str(i.id), email: str(i.email), role: toRole(i.role), status: str(i.status),
    expiresAt: optDate(i.expires_at) };
  if (i.token !== undefined) {
    invitation.token = str(i.token);
    invitation.acceptPath = str(i.accept_path);
  }
  return invitation;
}
