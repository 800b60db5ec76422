"""The replica's UI strings in en and pt-BR (seller-br answers in Portuguese)."""

from __future__ import annotations

LANGUAGES = ("en", "pt-BR")

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "login_title": "Log in to Seller Center", "login_field": "Email or phone", "password": "Password",
        "login_button": "Log in", "bad_credentials": "Incorrect account or password",
        "verify_title": "Verify your identity", "verify_hint": "Enter the 6-digit code sent to your email",
        "code_field": "Verification code", "verify_button": "Verify", "bad_code": "Invalid verification code",
        "captcha_dialog": "Verification", "captcha_text": "Drag the slider to fit the puzzle",
        "account": "Account", "logout": "Log out", "home": "Home",
        "nav_reviews": "Product ratings", "nav_comments": "Comments", "nav_chat": "Messages",
        "nav_creators": "Find creators", "welcome": "Welcome back",
        "reviews_title": "Product ratings", "reviews_table": "Reviews", "comments_title": "Video comments",
        "comments_table": "Comments", "tab_all": "All", "tab_not_replied": "Not replied", "tab_replied": "Replied",
        "tab_unread": "Unread", "tab_unreplied": "Unreplied", "star_group": "Star rating",
        "col_product": "Product", "col_rating": "Rating", "col_review": "Review", "col_order": "Order ID",
        "col_action": "Action", "col_video": "Video", "col_buyer": "Buyer", "col_comment": "Comment",
        "reply": "Reply", "reply_review_dialog": "Reply to review", "reply_comment_dialog": "Reply to comment",
        "reply_field": "Reply", "cancel": "Cancel", "submit": "Submit", "reply_sent": "Reply sent",
        "reply_once": "You can only reply once", "empty_reply": "Please enter a reply",
        "too_long": "The reply is too long", "seller_reply": "Seller reply:", "no_data": "No data",
        "loading": "Loading", "pagination": "Pagination", "prev_page": "Previous page", "next_page": "Next page",
        "page_size": "Items per page", "server_error": "Something went wrong. Please try again.",
        "retry": "Retry", "session_expired": "Your session has expired. Please log in again.",
        "conversations": "Conversations", "search_buyer": "Search buyer", "conversation_with": "Conversation with",
        "type_message": "Type a message", "send": "Send", "unread_badge": "unread",
        "select_conversation": "Select a conversation", "you": "You",
        "quota_banner": "Invitations left this week:", "search_creators": "Search creators",
        "category": "Category", "any_category": "All categories", "min_followers": "Minimum followers",
        "max_followers": "Maximum followers", "search": "Search", "creators_table": "Creators",
        "col_creator": "Creator", "col_followers": "Followers", "col_gmv": "GMV", "invite": "Invite",
        "invited": "Invited", "invite_dialog": "Invite creator", "invitation_name": "Invitation name",
        "message": "Message", "commission_rate": "Commission rate (%)", "send_invitation": "Send invitation",
        "invitation_sent": "Invitation sent", "quota_exhausted": "You've reached your weekly limit",
        "already_invited": "This creator was already invited", "invitation_name_required":
        "Enter an invitation name", "not_found": "Not found", "followers_suffix": "followers",
    },
    "pt-BR": {
        "login_title": "Entrar no Seller Center", "login_field": "E-mail ou telefone", "password": "Senha",
        "login_button": "Entrar", "bad_credentials": "Conta ou senha incorretas",
        "verify_title": "Verifique sua identidade",
        "verify_hint": "Digite o código de 6 dígitos enviado ao seu e-mail",
        "code_field": "Código de verificação", "verify_button": "Verificar",
        "bad_code": "Código de verificação inválido",
        "captcha_dialog": "Verificação", "captcha_text": "Arraste o controle deslizante para encaixar a peça",
        "account": "Conta", "logout": "Sair", "home": "Início",
        "nav_reviews": "Avaliações de produtos", "nav_comments": "Comentários", "nav_chat": "Mensagens",
        "nav_creators": "Encontrar criadores", "welcome": "Bem-vindo de volta",
        "reviews_title": "Avaliações de produtos", "reviews_table": "Avaliações", "comments_title":
        "Comentários dos vídeos", "comments_table": "Comentários", "tab_all": "Todas",
        "tab_not_replied": "Não respondidas", "tab_replied": "Respondidas", "tab_unread": "Não lidas",
        "tab_unreplied": "Sem resposta", "star_group": "Nota em estrelas", "col_product": "Produto",
        "col_rating": "Nota", "col_review": "Avaliação", "col_order": "ID do pedido", "col_action": "Ação",
        "col_video": "Vídeo", "col_buyer": "Comprador", "col_comment": "Comentário",
        "reply": "Responder", "reply_review_dialog": "Responder à avaliação",
        "reply_comment_dialog": "Responder ao comentário", "reply_field": "Resposta", "cancel": "Cancelar",
        "submit": "Enviar", "reply_sent": "Resposta enviada", "reply_once": "Você só pode responder uma vez",
        "empty_reply": "Digite uma resposta", "too_long": "A resposta é muito longa",
        "seller_reply": "Resposta do vendedor:", "no_data": "Sem dados", "loading": "Carregando",
        "pagination": "Paginação", "prev_page": "Página anterior", "next_page": "Próxima página",
        "page_size": "Itens por página", "server_error": "Algo deu errado. Tente novamente.",
        "retry": "Tentar novamente", "session_expired": "Sua sessão expirou. Entre novamente.",
        "conversations": "Conversas", "search_buyer": "Buscar comprador", "conversation_with": "Conversa com",
        "type_message": "Digite uma mensagem", "send": "Enviar", "unread_badge": "não lidas",
        "select_conversation": "Selecione uma conversa", "you": "Você",
        "quota_banner": "Convites restantes nesta semana:", "search_creators": "Buscar criadores",
        "category": "Categoria", "any_category": "Todas as categorias", "min_followers": "Mínimo de seguidores",
        "max_followers": "Máximo de seguidores", "search": "Buscar", "creators_table": "Criadores",
        "col_creator": "Criador", "col_followers": "Seguidores", "col_gmv": "GMV", "invite": "Convidar",
        "invited": "Convidado", "invite_dialog": "Convidar criador", "invitation_name": "Nome do convite",
        "message": "Mensagem", "commission_rate": "Taxa de comissão (%)", "send_invitation": "Enviar convite",
        "invitation_sent": "Convite enviado", "quota_exhausted": "Você atingiu seu limite semanal",
        "already_invited": "Este criador já foi convidado", "invitation_name_required":
        "Informe o nome do convite", "not_found": "Não encontrado", "followers_suffix": "seguidores",
    },
}


def pick_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=` wins, then the `lang` cookie, then Accept-Language (Playwright sends the context locale)."""
    for candidate in (query, cookie):
        if candidate in STRINGS:
            return candidate
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("pt"):
            return "pt-BR"
        if tag.startswith("en"):
            return "en"
    return "pt-BR"
