"""Accessible names of Seller Center controls per UI locale (seller-br is pt-BR).

Page objects find controls by role + name, label or text from this map only; never by the hashed `data-e2e`
or the shared `data-tid` attributes, which change between Seller Center builds.
"""

from __future__ import annotations

from typing import Final

NAMES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "login_field": "Email or phone", "password": "Password", "login_button": "Log in",
        "code_field": "Verification code", "verify_button": "Verify", "captcha_dialog": "Verification",
        "account": "Account", "bad_credentials": "Incorrect account or password",
        "bad_code": "Invalid verification code",
        "reviews_table": "Reviews", "comments_table": "Comments", "tab_all": "All", "tab_not_replied": "Not replied",
        "star_group": "Star rating", "reply": "Reply", "reply_review_dialog": "Reply to review",
        "reply_comment_dialog": "Reply to comment", "reply_field": "Reply", "submit": "Submit",
        "reply_once": "You can only reply once", "next_page": "Next page", "server_error": "Something went wrong",
        "retry": "Retry", "seller_reply": "Seller reply:", "pagination": "Pagination",
        "session_expired": "Your session has expired",
        "conversations": "Conversations", "tab_unreplied": "Unreplied", "conversation_with": "Conversation with",
        "buyer_message": "Buyer", "seller_message": "You", "type_message": "Type a message", "send": "Send",
        "quota_banner": "Invitations left this week:", "category": "Category", "min_followers": "Minimum followers",
        "max_followers": "Maximum followers", "search": "Search", "creators_table": "Creators", "invite": "Invite",
        "invited": "Invited", "invite_dialog": "Invite creator", "invitation_name": "Invitation name",
        "message": "Message", "commission_rate": "Commission rate (%)", "send_invitation": "Send invitation",
        "quota_exhausted": "You've reached your weekly limit", "already_invited": "already invited",
        "products_table": "Products", "variants_table": "Variants", "description": "Description",
        "attributes": "Attributes", "f_status": "Status", "f_created": "Created", "f_updated": "Updated",
        "orders_table": "Orders", "items_table": "Items", "f_buyer": "Buyer", "f_phone": "Phone",
        "f_handle": "Buyer username", "f_total": "Total", "f_carrier": "Carrier", "f_tracking": "Tracking number",
        "f_last_event": "Latest tracking event",
    },
    "pt-BR": {
        "login_field": "E-mail ou telefone", "password": "Senha", "login_button": "Entrar",
        "code_field": "Código de verificação", "verify_button": "Verificar", "captcha_dialog": "Verificação",
        "account": "Conta", "bad_credentials": "Conta ou senha incorretas",
        "bad_code": "Código de verificação inválido",
        "reviews_table": "Avaliações", "comments_table": "Comentários", "tab_all": "Todas",
        "tab_not_replied": "Não respondidas", "star_group": "Nota em estrelas", "reply": "Responder",
        "reply_review_dialog": "Responder à avaliação", "reply_comment_dialog": "Responder ao comentário",
        "reply_field": "Resposta", "submit": "Enviar", "reply_once": "Você só pode responder uma vez",
        "next_page": "Próxima página", "server_error": "Algo deu errado", "retry": "Tentar novamente",
        "seller_reply": "Resposta do vendedor:", "pagination": "Paginação", "session_expired": "Sua sessão expirou",
        "conversations": "Conversas", "tab_unreplied": "Sem resposta", "conversation_with": "Conversa com",
        "buyer_message": "Comprador", "seller_message": "Você", "type_message": "Digite uma mensagem",
        "send": "Enviar",
        "quota_banner": "Convites restantes nesta semana:", "category": "Categoria",
        "min_followers": "Mínimo de seguidores", "max_followers": "Máximo de seguidores", "search": "Buscar",
        "creators_table": "Criadores", "invite": "Convidar", "invited": "Convidado",
        "invite_dialog": "Convidar criador", "invitation_name": "Nome do convite", "message": "Mensagem",
        "commission_rate": "Taxa de comissão (%)", "send_invitation": "Enviar convite",
        "quota_exhausted": "Você atingiu seu limite semanal", "already_invited": "já foi convidado",
        "products_table": "Produtos", "variants_table": "Variações", "description": "Descrição",
        "attributes": "Atributos", "f_status": "Status", "f_created": "Criado em", "f_updated": "Atualizado em",
        "orders_table": "Pedidos", "items_table": "Itens", "f_buyer": "Comprador", "f_phone": "Telefone",
        "f_handle": "Usuário do comprador", "f_total": "Total", "f_carrier": "Transportadora",
        "f_tracking": "Código de rastreio", "f_last_event": "Último evento de rastreio",
    },
}

PATHS: Final[dict[str, str]] = {
    "home": "/homepage",
    "login": "/account/login",
    "reviews": "/product/rating",
    "comments": "/content/comments",
    "inbox": "/chat",
    "creators": "/connection/creator",
    "products": "/product/manage",
    "product": "/product/detail",
    "orders": "/order",
    "order": "/order/detail",
}

# Status labels Seller Center shows on the products and orders pages → the Open API's status codes.
STATUS_CODES: Final[dict[str, dict[str, str]]] = {
    "en": {"Live": "ACTIVATE", "Deactivated": "SELLER_DEACTIVATED", "Suspended": "PLATFORM_DEACTIVATED",
           "Deleted": "DELETED", "Frozen": "FREEZE", "Draft": "DRAFT", "Unpaid": "UNPAID",
           "To ship": "AWAITING_SHIPMENT", "Awaiting collection": "AWAITING_COLLECTION", "In transit": "IN_TRANSIT",
           "Delivered": "DELIVERED", "Completed": "COMPLETED", "Cancelled": "CANCELLED"},
    "pt-BR": {"Ativo": "ACTIVATE", "Desativado": "SELLER_DEACTIVATED", "Suspenso": "PLATFORM_DEACTIVATED",
              "Excluído": "DELETED", "Congelado": "FREEZE", "Rascunho": "DRAFT", "Não pago": "UNPAID",
              "A enviar": "AWAITING_SHIPMENT", "Aguardando coleta": "AWAITING_COLLECTION",
              "Em trânsito": "IN_TRANSIT", "Entregue": "DELIVERED", "Concluído": "COMPLETED",
              "Cancelado": "CANCELLED"},
}


def names_for(locale: str) -> dict[str, str]:
    return NAMES.get(locale, NAMES["pt-BR"])


def status_code(names: dict[str, str], label: str) -> str:
    """The platform status code of a label shown in the UI of `names`' locale (unknown labels pass through)."""
    locale = next((k for k, v in NAMES.items() if v is names), "pt-BR")
    return STATUS_CODES[locale].get(label.strip(), label.strip())
