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
    },
}

PATHS: Final[dict[str, str]] = {
    "home": "/homepage",
    "login": "/account/login",
    "reviews": "/product/rating",
    "comments": "/content/comments",
    "inbox": "/chat",
    "creators": "/connection/creator",
}


def names_for(locale: str) -> dict[str, str]:
    return NAMES.get(locale, NAMES["pt-BR"])
