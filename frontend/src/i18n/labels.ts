/** pt-BR labels for the closed sets the API returns; unknown values are shown humanized, never hidden. */

export const TASK_TYPE_LABELS: Record<string, string> = {
  reply_comments: "Responder comentários",
  reply_reviews: "Responder avaliações",
  reply_messages: "Responder mensagens",
  invite_creators: "Convidar criadores",
  sync_catalog: "Sincronizar catálogo",
  sync_orders: "Sincronizar pedidos",
};

export const TASK_STATUS_LABELS: Record<string, string> = {
  queued: "Na fila",
  running: "Em execução",
  completed: "Concluída",
  failed: "Falhou",
  needs_attention: "Requer atenção",
  cancelled: "Cancelada",
};

export const PROFILE_STATUS_LABELS: Record<string, string> = {
  unverified: "Não verificado",
  verifying: "Verificando…",
  verified: "Verificado",
  needs_2fa: "Aguardando código 2FA",
  captcha: "Captcha detectado",
  expired: "Sessão expirada",
  blocked: "Bloqueado",
  failed: "Falha no login",
};

export const INTENT_LABELS: Record<string, string> = {
  greeting: "Saudação",
  product_info: "Informações do produto",
  price: "Preço",
  availability: "Disponibilidade",
  shipping: "Frete e entrega",
  payment: "Pagamento",
  order_status: "Status do pedido",
  returns: "Trocas e devoluções",
  complaint: "Reclamação",
  human: "Pediu atendente",
  purchase: "Compra",
  thanks_bye: "Agradecimento/despedida",
  other: "Outros",
};

export const STAGE_LABELS: Record<string, string> = {
  new_contact: "Novo contato",
  new: "Novo contato",
  product_interest: "Interesse no produto",
  interest: "Interesse no produto",
  price_asked: "Perguntou o preço",
  purchase_intent: "Intenção de compra",
  converted: "Convertido",
};

export const HANDOFF_LABELS: Record<string, string> = {
  bot: "Bot",
  waiting_human: "Aguardando humano",
  human: "Com atendente",
};

export const CHANNEL_LABELS: Record<string, string> = {
  whatsapp: "WhatsApp",
  evolution: "WhatsApp (Evolution)",
  instagram: "Instagram",
  chatwoot: "Chatwoot",
  telegram: "Telegram",
  tiktok_shop: "TikTok Shop",
  api: "API",
};

export const DEAD_LETTER_STATUS_LABELS: Record<string, string> = {
  dead: "Não entregue",
  retried: "Reenviada",
  delivered: "Entregue",
};

export function humanize(value: string): string {
  if (!value) return "—";
  const text = value.replace(/[_-]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function label(map: Record<string, string>, value: string): string {
  return map[value] ?? humanize(value);
}

export const ROLE_LABELS: Record<string, string> = {
  owner: "Proprietário",
  admin: "Administrador",
  agent: "Atendente",
  viewer: "Leitura",
};

export const INVITATION_STATUS_LABELS: Record<string, string> = {
  pending: "Pendente",
  accepted: "Aceito",
  expired: "Expirado",
};

/** Where a catalog product came from (the product API's `source`). */
export const PRODUCT_SOURCE_LABELS: Record<string, string> = {
  manual: "Manual",
  csv: "CSV",
  csv_import: "CSV",
  tiktok_shop: "TikTok Shop",
};

/** Where an order came from (the orders API's `source`). */
export const ORDER_SOURCE_LABELS: Record<string, string> = {
  tiktok_shop: "TikTok Shop",
  bot_draft: "Rascunho do bot",
  manual: "Manual",
};

/** An order's status: the CRM's own, then TikTok Shop's (order search `status`). */
export const ORDER_STATUS_LABELS: Record<string, string> = {
  draft: "Rascunho",
  confirmed: "Confirmado",
  dropped: "Descartado",
  UNPAID: "Aguardando pagamento",
  ON_HOLD: "Em espera",
  AWAITING_SHIPMENT: "Aguardando envio",
  PARTIALLY_SHIPPING: "Envio parcial",
  AWAITING_COLLECTION: "Aguardando coleta",
  IN_TRANSIT: "Em trânsito",
  DELIVERED: "Entregue",
  COMPLETED: "Concluído",
  CANCELLED: "Cancelado",
};

export const GENDER_LABELS: Record<string, string> = {
  "": "Automático (inferido do nome)",
  masculine: "Masculino (\u201co\u201d)",
  feminine: "Feminino (\u201ca\u201d)",
};
