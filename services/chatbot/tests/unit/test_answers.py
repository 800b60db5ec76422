"""Answers: the planner fetches the facts a question needs (and refuses what the catalog does not have), the
pt-BR wording agrees with each product, the LLM checker rejects claims outside the planned facts, and a
property over random catalogs and questions: no reply states a price or stock that contradicts the catalog."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from chatbot.domain.answer_plan import AnswerKind
from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.config import BotSettings, Policies, Tone
from chatbot.domain.guardrails import unsupported_claims
from chatbot.domain.intents import default_model
from chatbot.domain.money import amounts_in, format_brl
from chatbot.domain.orders import OrderInfo
from chatbot.domain.responder import render
from chatbot.domain.wording import Gender, continue_with, counted, infer_gender, join, noun_of, the
from chatbot.usecases.planner import ConversationState, TurnPlan, order_number_asked, plan_turn
from chatbot.usecases.understanding import understand
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CATALOG = Catalog([
    Product("cap", "CAP", "Capinha iPhone 13", Decimal("29.90"), stock=25, variants=("Preta", "Rosa"),
            synonyms=("capa",)),
    Product("car", "CAR", "Carregador Turbo 20W", Decimal("59.90"), stock=12, synonyms=("fonte",)),
    Product("ten", "TEN", "Tênis Corrida Vento", Decimal("299.90"), stock=0, variants=("39", "40")),
    Product("sw", "SW", "Smartwatch Fit", Decimal("399.00"), stock=5, variants=("Preto", "Rosa", "Azul Marinho"),
            description="Monitor cardíaco e GPS."),
    Product("gar", "GAR", "Garrafa Térmica Inox 1L", Decimal("89.90"), stock=8),
    Product("fon", "FON", "Fone Bluetooth", Decimal("149.90"), stock=3),
])
SETTINGS = BotSettings(policies=Policies(
    payment_methods=["pix", "cartão de crédito", "boleto"], installments="em até 6x sem juros",
    warranty="Garantia de 90 dias contra defeitos de fabricação.", shipping="Prazo de 3 a 8 dias úteis."))


class Dialogue:
    def __init__(self, catalog: Catalog = CATALOG, bot_settings: BotSettings = SETTINGS) -> None:
        self.catalog, self.settings, self.context = catalog, bot_settings, {}  # type: ignore[var-annotated]
        self.context: dict[str, Any] = {}
        self.last: TurnPlan | None = None

    def say(self, text: str) -> str:
        understanding = understand(default_model(), [text])
        state = ConversationState.from_context(self.context)
        number = order_number_asked(text, understanding, state)
        turn = plan_turn([text], understanding, state, self.catalog, self.settings, 0, 0, False,
                         OrderInfo(number) if number else None)
        self.context.update(turn.context_after(self.context, turn.trigger))
        self.last = turn
        return render(turn.plan, self.settings)


def test_a_sold_out_product_is_never_sold_and_the_alternatives_in_stock_are_offered() -> None:
    reply = Dialogue().say("quero comprar o tênis corrida vento")
    assert "esgotado" in reply and "CEP" not in reply
    assert "Capinha iPhone 13 (R$ 29,90)" in reply


def test_colours_come_from_the_variants_and_a_colour_in_another_gender_is_found() -> None:
    assert "Preto, Rosa e Azul Marinho" in Dialogue().say("o smartwatch vem em quais cores?")
    reply = Dialogue().say("tem a capinha na cor preto?")
    assert "vem em Preta" in reply and "não vem" not in reply


def test_warranty_is_answered_from_the_policy() -> None:
    reply = Dialogue().say("tem garantia?")
    assert "90 dias" in reply and "Qual produto" not in reply


def test_a_product_the_shop_does_not_sell_gets_no_price() -> None:
    dialogue = Dialogue()
    reply = dialogue.say("quanto custa o notebook gamer?")
    assert "não trabalhamos com notebook gamer" in reply
    assert dialogue.last is not None and dialogue.last.plan.kinds == [AnswerKind.UNKNOWN_PRODUCT]


def test_the_question_is_carried_to_the_next_product() -> None:
    dialogue = Dialogue()
    assert "R$ 29,90" in dialogue.say("oi, quanto custa a capinha?")
    assert dialogue.say("e o carregador?") == "O Carregador Turbo 20W está por R$ 59,90."


def test_an_order_number_is_looked_up_and_a_person_offered_then_called_on_yes() -> None:
    dialogue = Dialogue()
    reply = dialogue.say("cadê meu pedido 48213?")
    assert "48213" in reply and "pessoa" in reply
    assert dialogue.last is not None and dialogue.last.trigger is None
    assert "pessoa da equipe" in dialogue.say("sim")
    assert dialogue.last.trigger is not None


def test_pt_br_agreement_lists_and_plurals() -> None:
    assert infer_gender("Garrafa Térmica Inox 1L") is Gender.FEMININE
    assert infer_gender("Capinha iPhone 13") is Gender.FEMININE
    assert infer_gender("Tênis Corrida Vento") is Gender.MASCULINE
    assert the("Meias Esportivas", noun_of("Meias Esportivas"), capital=True) == "As Meias Esportivas"
    assert the("Air Fryer", noun_of("Air Fryer", "feminine"), capital=True) == "A Air Fryer"
    assert the("Pincéis de Maquiagem", noun_of("Pincéis de Maquiagem"), capital=True) == "Os Pincéis de Maquiagem"
    assert the("Batons Matte", noun_of("Batons Matte"), capital=True) == "Os Batons Matte"
    assert the("Jeans Slim", noun_of("Jeans Slim"), capital=True) == "O Jeans Slim"
    assert join(["pix", "cartão de crédito", "boleto"]) == "pix, cartão de crédito e boleto"
    assert continue_with("Aceitamos pix", "em até 6x sem juros") == "Aceitamos pix, em até 6x sem juros."
    assert continue_with("Aceitamos pix", "Parcelamos em 3x.") == "Aceitamos pix. Parcelamos em 3x."
    assert (counted(1, "mensagem", "mensagens"), counted(2, "mensagem", "mensagens")) == ("1 mensagem", "2 mensagens")
    assert Dialogue().say("qual o preço da garrafa?").startswith("A Garrafa Térmica Inox 1L está por")


def test_payment_sentence_is_one_well_formed_sentence() -> None:
    assert Dialogue().say("quais as formas de pagamento?") == (
        "Aceitamos pix, cartão de crédito e boleto, em até 6x sem juros.")


def test_tone_changes_the_words_not_the_facts() -> None:
    replies = {tone: Dialogue(bot_settings=SETTINGS.model_copy(update={"tone": tone})).say("tem fone em estoque?")
               for tone in Tone}
    assert len(set(replies.values())) == len(Tone)
    assert all("3 unidades" in reply for reply in replies.values())


def test_the_checker_rejects_a_price_stock_deadline_or_policy_outside_the_facts() -> None:
    dialogue = Dialogue()
    dialogue.say("quanto custa a capinha?")
    assert dialogue.last is not None
    plan = dialogue.last.plan
    assert unsupported_claims(render(plan, SETTINGS), plan, CATALOG) == []
    kinds = {c.kind for c in unsupported_claims(
        "A Capinha iPhone 13 sai por R$ 19,90, temos 40 unidades, chega em 2 dias e aceitamos pix.", plan, CATALOG)}
    assert kinds == {"price", "stock", "deadline", "policy"}
    assert [c.kind for c in unsupported_claims("O Carregador Turbo 20W sai por R$ 29,90.", plan, CATALOG)] == ["price"]
    dialogue.say("tem o tênis?")
    assert [c.kind for c in unsupported_claims("O Tênis Corrida Vento está disponível!", dialogue.last.plan,
                                               CATALOG)] == ["stock"]


# --- property: no reply contradicts the catalog ------------------------------------------------------------
HEADS = ["Camiseta", "Fone", "Garrafa", "Mochila", "Relógio", "Caneca", "Tênis", "Luminária", "Carregador",
         "Bolsa", "Teclado", "Toalha", "Meias", "Panela", "Boné"]
QUALIFIERS = ["Básica", "Pro", "Slim", "Inox", "Sport", "Max", "Clássica", "Plus", "Mini", "Eco"]
COLOURS = ["Preto", "Branca", "Azul", "Rosa", "Verde", "Cinza"]
TEMPLATES = [
    "quanto custa {a} {name}?", "qto ta {a} {head}", "tem {head} em estoque?", "quero comprar {a} {name}",
    "e {a} {head}?", "quais cores {do} {head}?", "tem {a} {head} na cor {colour}?", "preco {do} {head}",
    "{head} ainda tem?", "quero {n} {head}", "quanto é esse?", "tem disponível?", "quais os preços?",
    "vcs tem {head} {colour}?", "o que tem disponivel", "quanto custa o notebook?",
    "tem {a} {head} no {size}?", "tem {head} tamanho {size}?", "tem {head} de {volume}?",
    "quero comprar {a} {head} {size}",
    "quero {a} {head}", "{size}", "quero {n}", "ainda tem {a} {head} {colour}?",
]
SIZES = ["38", "39", "40", "41", "42", "P", "M", "G", "GG"]
VOLUMES = ["500ml", "1L", "750ml", "2 litros"]


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    heads = draw(st.lists(st.sampled_from(HEADS), min_size=1, max_size=6, unique=True))
    products = []
    for i, head in enumerate(heads):
        price = Decimal(draw(st.integers(min_value=100, max_value=99_999))) / 100
        variants = tuple(draw(st.lists(st.sampled_from(draw(st.sampled_from([COLOURS, SIZES]))), max_size=4,
                                       unique=True)))
        volume = draw(st.sampled_from(["", "", *VOLUMES[:3]]))
        name = f"{head} {draw(st.sampled_from(QUALIFIERS))}" + (f" {volume}" if volume else "")
        products.append(Product(f"p{i}", f"SKU{i}", name, price,
                                stock=draw(st.sampled_from([0, 0, 1, 2, 7, 30])), variants=variants))
    return Catalog(products)


@given(catalog=catalogs(), picks=st.lists(st.tuples(st.sampled_from(TEMPLATES), st.integers(0, 5),
                                                    st.sampled_from(COLOURS), st.integers(1, 3),
                                                    st.sampled_from(SIZES), st.sampled_from(VOLUMES)),
                                          min_size=1, max_size=4))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_reply_states_a_price_or_stock_that_contradicts_the_catalog(
    catalog: Catalog, picks: list[tuple[str, int, str, int, str, str]]
) -> None:
    """Nor a size, volume or colour the product does not come in (sizes and volumes asked, any dialogue)."""
    dialogue = Dialogue(catalog, SETTINGS)
    for template, index, colour, n, size, volume in picks:
        product = catalog.products[index % len(catalog.products)]
        head = product.name.split()[0]
        article = "a" if product.noun.gender is Gender.FEMININE else "o"
        text = template.format(a=article, name=product.name, head=head.lower(), do="d" + article, colour=colour, n=n,
                               size=size, volume=volume)
        reply = dialogue.say(text)
        _assert_consistent(reply, catalog)
        assert dialogue.last is not None
        if not dialogue.last.in_order and dialogue.last.trigger is None:  # the checker passes the offline wording
            assert unsupported_claims(reply, dialogue.last.plan, catalog) == [], (text, reply)


def _assert_consistent(reply: str, catalog: Catalog) -> None:
    prices = {p.price.quantize(Decimal("0.01")) for p in catalog.products}
    counts = [int(n) for n in re.findall(r"Levando (\d+), o total fica", reply)]  # "quanto fica 3?": the total
    totals = {(p.price * n).quantize(Decimal("0.01")) for p in catalog.products for n in counts}
    assert amounts_in(reply) <= prices | totals, reply
    names = sorted(catalog.products, key=lambda p: -len(p.name))
    pattern = re.compile("|".join(re.escape(p.name) for p in names))
    mentions = list(pattern.finditer(reply))
    for i, mention in enumerate(mentions):
        product = next(p for p in catalog.products if p.name == mention.group(0))
        end = mentions[i + 1].start() if i + 1 < len(mentions) else len(reply)
        said = reply[mention.end():end]
        stated = amounts_in(said)
        own = product.price.quantize(Decimal("0.01"))
        assert not stated or stated - {(product.price * n).quantize(Decimal("0.01")) for n in counts} == {own}, \
            (product, reply)
        assert format_brl(product.price) in said or not stated
        for count in re.findall(r"(\d+) unidades? em estoque", said):
            assert int(count) == product.stock, (product, reply)
        if not product.in_stock:
            assert not re.search(r"\b(disponíve[il]s?|em estoque)\b", said) or "esgotad" in said, (product, reply)
        for claimed in re.finditer(r"(?<!não )\bv[eê]m em ([^.:,]+?)(?: e (?:está|estão)|[.:,]|$)", said):
            for option in claimed.group(1).split(" e "):  # "não tem opções de cor: vem em 38 e 39"
                assert option in product.variants, (product, reply)
        for own in re.findall(r"é de (\S+) e sai", said):
            assert own in product.name.split(), (product, reply)
        if re.search(r"\bnão (?:vem|vêm|temos) em\b", said):
            asked = re.search(r"\bnão (?:vem|vêm|temos) em ([^.:,]+)", said)
            assert asked is not None and asked.group(1) not in product.variants, (product, reply)


def test_an_order_source_plugged_into_the_port_answers_the_status_without_a_person() -> None:
    text = "qual o status do pedido 48213?"
    understanding = understand(default_model(), [text])
    info = OrderInfo("48213", known=True, status="enviado", tracking_code="BR123", estimated_delivery="12/12")
    turn = plan_turn([text], understanding, ConversationState(), CATALOG, SETTINGS, 0, 0, False, info)
    reply = render(turn.plan, SETTINGS)
    assert reply == "Seu pedido 48213 está: enviado. Código de rastreio: BR123. Previsão de entrega: 12/12."
    assert turn.offer == "" and turn.trigger is None
    assert unsupported_claims(reply, turn.plan, CATALOG) == []


# --- the audit's defects (issue 16, second round): a catalog with sizes 38-41, a sold-out product with colours,
# a 500ml bottle, a phone case for one phone only ------------------------------------------------------------
AUDIT = Catalog([
    Product("ten", "TEN", "Tênis Corrida Vento", Decimal("299.90"), stock=6, variants=("38", "39", "40", "41")),
    Product("moc", "MOC", "Mochila Urbana", Decimal("189.90"), stock=0, variants=("Preta", "Marrom")),
    Product("gar", "GAR", "Garrafa Térmica 500ml", Decimal("69.90"), stock=9, variants=("Azul", "Preta")),
    Product("cap", "CAP", "Capa Galaxy S23", Decimal("39.90"), stock=11, synonyms=("capinha",)),
    Product("car", "CAR", "Carregador Turbo 20W", Decimal("59.90"), stock=12),
    Product("fon", "FON", "Fone Bluetooth", Decimal("149.90"), stock=3),
])
AUDIT_SETTINGS = SETTINGS.model_copy(update={"policies": SETTINGS.policies.model_copy(update={
    "shipping": "Prazo de 3 a 8 dias úteis. Frete grátis acima de R$ 200,00.",
    "payment_methods": ["pix", "cartão de crédito"]})})


def _audit() -> Dialogue:
    return Dialogue(AUDIT, AUDIT_SETTINGS)


def _order(dialogue: Dialogue) -> dict[str, Any]:
    return dialogue.context.get("order") or {}


def test_only_one_of_the_products_variants_is_stored_as_the_variant() -> None:
    dialogue = _audit()
    assert "38, 39, 40 ou 41" in dialogue.say("quero comprar o tênis")
    reply = dialogue.say("quero 2")
    assert _order(dialogue)["variant"] == "" and _order(dialogue)["quantity"] == 2
    assert "38, 39, 40 ou 41" in reply and "CEP" not in reply
    reply = dialogue.say("01310100")
    assert _order(dialogue)["variant"] == "" and _order(dialogue)["cep"] == "01310-100" and "38, 39, 40 ou 41" in reply
    dialogue.say("40")
    assert (_order(dialogue)["variant"], _order(dialogue)["quantity"]) == ("40", 2)


def test_a_colour_answer_in_the_plural_or_another_gender_names_the_variant() -> None:
    for said, variant in (("azuis", "Azul"), ("as pretas", "Preta"), ("quero a azul", "Azul")):
        dialogue = _audit()
        dialogue.say("quero a garrafa")
        assert "CEP" in dialogue.say(said), said
        assert _order(dialogue)["variant"] == variant


def test_a_side_question_keeps_the_order_and_resumes_it() -> None:
    dialogue = _audit()
    dialogue.say("quero comprar o tênis")
    reply = dialogue.say("qual o prazo de entrega?")
    assert "3 a 8 dias" in reply and "Voltando ao seu pedido" in reply and "38, 39, 40 ou 41" in reply
    assert _order(dialogue)["product_id"] == "ten"
    assert "CEP" in dialogue.say("tamanho 40") and _order(dialogue)["variant"] == "40"
    dialogue.say("quanto custa o fone?")  # another product's price: the order keeps its product
    assert _order(dialogue)["product_id"] == "ten"
    assert "cancelei" in dialogue.say("desisti") and dialogue.context["order"] is None


def test_a_variant_or_spec_the_product_does_not_have_is_said_not_to_exist() -> None:
    reply = _audit().say("tem o tênis no 42?")
    assert "não vem em 42" in reply and "38, 39, 40 e 41" in reply and "Temos sim" not in reply
    reply = _audit().say("tem garrafa de 1 litro?")
    assert "não temos em 1 litro" in reply and "500ml" in reply and "Temos sim" not in reply
    reply = _audit().say("quero comprar o tênis 42")
    assert "não vem em 42" in reply and "CEP" not in reply and "Ótima escolha" not in reply
    assert "vem em 40" in _audit().say("tem o tênis no 40?")
    assert _audit().say("quanto custa o tênis 42?") == (
        "O Tênis Corrida Vento está por R$ 299,90. Mas ele não vem em 42. As opções são: 38, 39, 40 e 41.")
    assert _audit().say("quanto custa a garrafa de 1 litro?").count("R$ 69,90") == 1


def test_another_devices_product_is_not_quoted_as_the_one_asked() -> None:
    dialogue = _audit()
    reply = dialogue.say("quanto custa a capa do iphone 15?")
    assert "não trabalhamos com capa do iphone 15" in reply and "está por" not in reply
    assert reply.index("Capa Galaxy S23") < reply.index("Tênis")  # the nearest thing the shop has comes first
    assert "R$ 39,90" in _audit().say("quanto custa a capa do galaxy s23?")
    assert "não trabalhamos com iphone" in _audit().say("vcs vendem iphone?")


def test_only_an_explicit_yes_accepts_an_offer() -> None:
    dialogue = _audit()
    assert "esgotada" in dialogue.say("quero a mochila")
    assert dialogue.say("quero 2").startswith("A Mochila Urbana continua esgotada")
    assert dialogue.last is not None and dialogue.last.trigger is None
    assert "anotei" in dialogue.say("sim")
    dialogue = _audit()
    dialogue.say("cadê meu pedido 48213?")
    dialogue.say("pode chamar sim")
    assert dialogue.last is not None and dialogue.last.trigger is not None
    dialogue = _audit()
    dialogue.say("quando volta a mochila?")
    assert "anotei" in dialogue.say("claro que sim, pfv")


def test_every_product_named_is_answered_and_a_shipping_question_gets_shipping() -> None:
    reply = _audit().say("quanto custa o carregador e o fone?")
    assert "R$ 59,90" in reply and "R$ 149,90" in reply
    reply = _audit().say("quanto fica o frete pra sp?")
    assert "3 a 8 dias" in reply and not amounts_in(reply) - {Decimal("200.00")}


def test_a_back_in_stock_notice_is_offered_and_recorded() -> None:
    dialogue = _audit()
    reply = dialogue.say("quando volta a mochila?")
    assert "esgotada" in reply and "te aviso" in reply
    assert "anotei" in dialogue.say("sim") and dialogue.context["back_in_stock"] == ["moc"]
    dialogue = _audit()
    assert "anotei" in dialogue.say("me avisa quando chegar a mochila") and dialogue.context["back_in_stock"] == ["moc"]
    assert dialogue.last is not None and dialogue.last.trigger is None


def test_a_sold_out_colour_is_said_sold_out_once() -> None:
    reply = _audit().say("ainda tem a mochila marrom?")
    assert reply.count("esgotad") == 1 and "Temos sim" not in reply


def test_listings_mark_sold_out_policies_refuse_products_not_sold_and_yes_no_is_answered() -> None:
    assert "Mochila Urbana (esgotada)" in _audit().say("quais produtos vcs tem?")
    assert "não trabalhamos com notebook" in _audit().say("qual a garantia do notebook?")
    reply = _audit().say("tem frete grátis?")
    assert reply.startswith("Sim!") and "R$ 200,00" in reply
    assert _audit().say("aceita boleto?").startswith("Essa forma não, mas aceitamos pix")
    assert _audit().say("aceita pix?").startswith("Sim, aceitamos pix")


def test_the_checker_reads_amounts_counts_and_deadlines_in_words_and_colours_and_products_not_sold() -> None:
    def kinds(reply: str, question: str) -> set[str]:
        dialogue = _audit()
        dialogue.say(question)
        assert dialogue.last is not None
        assert unsupported_claims(render(dialogue.last.plan, AUDIT_SETTINGS), dialogue.last.plan, AUDIT) == []
        return {c.kind for c in unsupported_claims(reply, dialogue.last.plan, AUDIT)}

    assert kinds("Está por 69,90.", "quanto custa o fone?") == {"price"}
    assert kinds("Sai por 69 reais.", "quanto custa o fone?") == {"price"}
    assert kinds("Custa setenta reais.", "quanto custa o fone?") == {"price"}
    assert kinds("Custa cento e quarenta e nove reais e noventa centavos.", "quanto custa o fone?") == set()
    assert kinds("Temos sim, o notebook está disponível!", "quanto custa o notebook?") == {"stock"}
    assert kinds("Temos o notebook gamer disponível também!", "quanto custa o fone?") == {"stock"}
    assert kinds("Ela chega em breve e você já pode comprar!", "tem a mochila?") >= {"stock", "deadline"}
    assert kinds("Chega em uma semana.", "quanto custa o fone?") == {"deadline"}
    assert kinds("Chega em 3 a 8 dias úteis.", "qual o prazo de entrega?") == set()
    assert kinds("Restam só duas unidades!", "tem fone?") == {"stock"}
    assert kinds("Restam só três unidades!", "tem fone?") == set()
    assert kinds("A Garrafa Térmica 500ml também vem na cor verde.", "quais cores da garrafa?") == {"variant"}
    assert kinds("A Garrafa Térmica 500ml não vem em verde.", "quais cores da garrafa?") == set()


def test_the_catalog_is_listed_when_asked_and_a_plural_name_takes_a_plural_verb() -> None:
    assert "Mochila Urbana (esgotada)" in _audit().say("o que vcs vendem?")
    socks = Catalog([Product("mei", "MEI", "Meias Esportivas", Decimal("39.90"), stock=3, variants=("Branca",))])
    assert "As Meias Esportivas não vêm em GG" in Dialogue(socks).say("tem as meias tamanho GG?")


def test_a_colour_or_size_asked_that_the_product_lacks_is_named_and_quantities_said_later_count() -> None:
    clothes = Catalog([Product("cam", "CAM", "Camiseta Básica", Decimal("49.90"), stock=9, variants=("P", "M", "G"))])
    dialogue = Dialogue(clothes)
    assert dialogue.say("quero a camiseta rosa").startswith("A Camiseta Básica não vem em rosa. Qual opção")
    assert "não vem em XGG" in Dialogue(clothes).say("tem camiseta XGG?")
    dialogue.say("M")
    assert "3x Camiseta Básica (M)" in dialogue.say("pode ser 3")
    assert _audit().say("o frete é grátis?").startswith("Sim!")


def test_a_nearest_product_is_offered_as_such_and_a_re_ask_says_what_was_noted() -> None:
    home = Catalog([
        Product("pan", "PAN", "Jogo de Panelas Antiaderente", Decimal("349.90"), stock=4, synonyms=("panela",)),
        Product("air", "AIR", "Air Fryer 4L", Decimal("449.00"), stock=7, variants=("110V", "220V"), gender="feminine"),
    ])
    assert Dialogue(home).say("tem panela de pressão?").startswith("O que temos é o Jogo de Panelas Antiaderente")
    assert Dialogue(home).say("tem jogo de panelas?").startswith("Temos sim!")
    dialogue = Dialogue(home)
    dialogue.say("quero a air fryer")
    assert dialogue.say("01001000").startswith("Anotado: CEP 01001-000. Só preciso saber a opção da Air Fryer 4L")
    assert "pagar" in dialogue.say("220") and _order(dialogue)["variant"] == "220V"


def test_a_deactivated_product_is_not_available_at_the_moment_not_a_product_never_sold() -> None:
    catalog = Catalog([*CATALOG.products, Product("beb", "BEB", "Fonte Bebedouro para Gatos 2L", Decimal("169.90"),
                                                  stock=5, synonyms=("bebedouro", "fontinha"), active=False)])
    assert [p.id for p in catalog.unavailable] == ["beb"] and "beb" not in {p.id for p in catalog.products}
    for asked in ("quanto custa o bebedouro?", "a fontinha ta quanto?", "quero comprar o bebedouro pra gato"):
        dialogue = Dialogue(catalog)
        reply = dialogue.say(asked)
        assert "a Fonte Bebedouro para Gatos 2L não está disponível no momento" in reply, (asked, reply)
        assert "R$ 169,90" not in reply and "não trabalhamos" not in reply and "CEP" not in reply
        assert "Capinha iPhone 13 (R$ 29,90)" in reply  # what is available instead
        assert dialogue.last is not None
        assert unsupported_claims(reply, dialogue.last.plan, catalog) == []
        assert any("Indisponível no momento" in f for f in dialogue.last.plan.facts())


def test_a_price_for_several_units_gives_the_total_and_a_size_is_not_a_quantity() -> None:
    dialogue = Dialogue()
    assert "R$ 59,90" in dialogue.say("quanto ta o carregador?")
    reply = dialogue.say("quanto fica 3?")
    assert "Levando 3, o total fica R$ 179,70" in reply
    assert dialogue.last is not None and unsupported_claims(reply, dialogue.last.plan, CATALOG) == []
    assert "Levando" not in Dialogue().say("quanto custa o tênis 40?")
    assert "Levando" not in Dialogue().say("quanto custa a garrafa de 1 litro?")


def test_a_quantity_said_alone_or_with_a_unit_word_fills_the_order_and_is_not_a_request_for_a_person() -> None:
    dialogue = Dialogue()
    dialogue.say("quero comprar o carregador")
    assert "2x Carregador Turbo 20W" in dialogue.say("2 caixas")
    assert dialogue.last is not None and dialogue.last.trigger is None
    assert "3x Carregador Turbo 20W" in dialogue.say("3")
    reply = dialogue.say("pode ser no pix?")
    assert "pix anotado" in reply and "CEP" in reply
    sizes = Dialogue()
    sizes.say("quero comprar o tênis corrida vento")  # sold out: no order
    assert sizes.last is not None and sizes.last.draft is None


def test_business_hours_are_answered_from_the_settings() -> None:
    hours = BotSettings.model_validate({"business_hours": {"weekdays": [0, 1, 2, 3, 4, 5], "open": "08:00",
                                                           "close": "20:00"}})
    assert Dialogue(bot_settings=hours).say("qual o horario de atendimento?") == \
        "Nosso atendimento é de segunda a sábado, das 08:00 às 20:00."
    assert Dialogue(bot_settings=hours).say("vcs abrem sabado?").startswith("Sim!")
    assert Dialogue(bot_settings=hours).say("abrem domingo?").startswith("No domingo não abrimos.")


def test_a_greeting_mid_conversation_and_an_order_that_did_not_arrive() -> None:
    dialogue = Dialogue()
    first = dialogue.say("meu pedido nao chegou")
    assert "número do pedido" in first and "Prazo" not in first  # the order, not the shipping policy
    assert not dialogue.say("e ai??? ja faz 10 dias").startswith("Olá")
    assert "não entendi" in Dialogue().say("bom dia, vcs tem loja fisica?")


def test_a_number_in_the_products_name_is_not_the_quantity_ordered() -> None:
    catalog = Catalog([Product("tap", "TAP", "Tapetes Higiênicos (30 unidades)", Decimal("59.90"), stock=9),
                       Product("pan", "PAN", "Jogo de Panelas 5 peças", Decimal("349.90"), stock=4)])
    assert "1x Tapetes Higiênicos" in Dialogue(catalog).say("quero comprar tapete higienico")
    assert "1x Jogo de Panelas" in Dialogue(catalog).say("quero o jogo de panelas")
    assert "2x Jogo de Panelas" in Dialogue(catalog).say("quero 2 jogos de panelas")


def test_discount_cancel_small_talk_complaint_and_a_variant_asked_before_buying() -> None:
    reply = Dialogue().say("tem desconto?")
    assert "cupons nem promoções" in reply and "De qual produto" not in reply
    assert "cancelamento" in Dialogue().say("quero cancelar meu pedido")
    assert Dialogue().say("pago no boleto?").startswith("Sim, aceitamos")
    chat = Dialogue()
    chat.say("oi")
    assert chat.say("tudo bem?").startswith("Tudo ótimo")
    complaint = Dialogue().say("o carregador chegou quebrado")
    assert "Sinto muito" in complaint and "Prazo" not in complaint and "R$" not in complaint
    buying = Dialogue()
    buying.say("tem a capinha rosa?")
    assert "(Rosa)" in buying.say("quero 2")


def test_an_option_the_product_lacks_and_a_sold_out_product_asked_again() -> None:
    assert "não vem em P. As opções são: Preta e Rosa" in Dialogue().say("a capinha tem tamanho P?")
    assert "não vem em couro" in Dialogue().say("a capinha tem modelo couro?")
    chat = Dialogue()
    assert "Capinha iPhone 13 (R$ 29,90)" in chat.say("tem o tênis corrida vento?")
    again = chat.say("e no 40?")
    assert "continua esgotado" in again and "Capinha" not in again


def test_a_need_with_a_count_is_a_purchase_and_both_products_are_not_two_units() -> None:
    dialogue = Dialogue()
    reply = dialogue.say("preciso de 3 carregadores")
    assert "3x Carregador Turbo 20W" in reply and dialogue.last is not None and dialogue.last.trigger is None
    both = Dialogue().say("quanto custa a capinha e o fone? tem os dois?")
    assert "R$ 29,90" in both and "R$ 149,90" in both and "Levando" not in both
    assert "não trabalhamos" not in Dialogue().say("comprei ontem, quando chega?")
    for asked in ("queria saber se tem a capinha rosa", "gostaria de ver o fone", "me manda foto do carregador"):
        assert "CEP" not in Dialogue().say(asked), asked  # wanting to know is not buying


def test_a_kind_of_option_the_product_does_not_have_is_said() -> None:
    assert Dialogue().say("qual o tamanho da capinha?") == \
        "A Capinha iPhone 13 não tem opções de tamanho. Vem em: Preta e Rosa."
    assert Dialogue().say("quais cores da capinha?") == "A Capinha iPhone 13 vem em: Preta e Rosa."


def test_a_deadline_asked_for_a_place_quotes_the_policys_line_for_it() -> None:
    from chatbot.domain.shipping import line_for, place_in

    policy = ("Enviamos para todo o Brasil. Sudeste: 2 a 5 dias úteis; Nordeste: 5 a 9 dias úteis; "
              "demais regiões: 7 a 12 dias úteis. Frete grátis acima de R$ 199,00.")
    recife, manaus, rj = place_in("qual o prazo pra recife?"), place_in("entrega em manaus?"), place_in("e pra rj?")
    assert recife and manaus and rj
    assert line_for(policy, recife) == (
        "Para Recife, o prazo é de 5 a 9 dias úteis (Nordeste). Frete grátis acima de R$ 199,00.")
    assert "7 a 12 dias úteis (demais regiões)" in line_for(policy, manaus)
    assert "2 a 5 dias úteis (Sudeste)" in line_for(policy, rj)
    assert line_for("Entregamos em até 10 dias úteis.", recife) == ""  # no per-place lines: the whole policy
    assert place_in("tem esse em preto?") is None and place_in("qual o prazo?") is None
    bahia = place_in("quanto tempo pra bahia?")
    assert bahia and line_for(policy, bahia).startswith("Para a Bahia, o prazo é de 5 a 9 dias úteis")


def test_a_product_that_arrived_broken_gets_the_apology_first_and_no_catalog_facts() -> None:
    reply = Dialogue().say("o fone chegou com defeito, quero trocar")
    assert reply.startswith("Sinto muito") and "troca" in reply
    assert "R$" not in reply and "Sobre o envio" not in reply
    stopped = Dialogue().say("meu carregador parou de funcionar")
    assert stopped.startswith("Sinto muito") and "90 dias" in stopped
