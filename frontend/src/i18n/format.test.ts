import { describe, expect, it } from "vitest";
import { formatCount, parseMoney } from "./format";

describe("formatCount", () => {
  it("puts the noun in agreement with the count", () => {
    expect(formatCount(1, "mensagem", "mensagens")).toBe("1 mensagem");
    expect(formatCount(0, "mensagem", "mensagens")).toBe("0 mensagens");
    expect(formatCount(2, "novo", "novos")).toBe("2 novos");
    expect(formatCount(1234, "conversa", "conversas")).toBe("1.234 conversas");
  });
});

describe("parseMoney", () => {
  it("reads an amount as a Brazilian seller types it and refuses anything else", () => {
    expect(parseMoney("79,90")).toBe(79.9);
    expect(parseMoney("R$ 1.234,56")).toBe(1234.56);
    expect(parseMoney("79.90")).toBe(79.9);
    expect(parseMoney("150")).toBe(150);
    for (const bad of ["", "abc", "1,2,3", "-5", "79,999", "1.234.56"]) expect(parseMoney(bad)).toBeNaN();
  });
});
