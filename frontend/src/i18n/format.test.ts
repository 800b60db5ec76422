import { describe, expect, it } from "vitest";
import { formatCount } from "./format";

describe("formatCount", () => {
  it("puts the noun in agreement with the count", () => {
    expect(formatCount(1, "mensagem", "mensagens")).toBe("1 mensagem");
    expect(formatCount(0, "mensagem", "mensagens")).toBe("0 mensagens");
    expect(formatCount(2, "novo", "novos")).toBe("2 novos");
    expect(formatCount(1234, "conversa", "conversas")).toBe("1.234 conversas");
  });
});
