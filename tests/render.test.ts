/**
 * Rendering rules that protect against Telegram refusing a message.
 */
import { describe, expect, it } from "vitest";
import { loadContent } from "../src/content/load.js";
import { flowToMermaid } from "../src/flow/mermaid.js";
import { translate } from "../src/i18n/translate.js";
import { parseTelegramHtml, splitHtml } from "../src/telegram/html.js";
import { refusal } from "../src/telegram/rules.js";

describe("messages Telegram accepts", () => {
  it("splits a long summary at line breaks, each piece under 4096 characters", () => {
    const line = `1. <b>Question</b> → ${"я".repeat(990)}`;
    const html = Array.from({ length: 9 }, () => line).join("\n");
    const pieces = splitHtml(html);
    expect(pieces).toHaveLength(3); // 9 lines of about 1,010 characters: four fit in a message
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(4096);
      expect(parseTelegramHtml(p)).not.toHaveProperty("error");
    }
    expect(pieces.join("\n")).toBe(html);
  });

  it("counts what the person sees, and never cuts inside a tag or an entity", () => {
    // A person's answer of 1000 quotation marks is 6000 characters of HTML but 1000 visible ones.
    const answer = '"'.repeat(1000).replace(/"/g, "&quot;");
    expect(splitHtml(`Question\n\n<b>Your answer: ${answer}</b>`)).toHaveLength(1);
    // A long answer with line breaks inside <b>, past the limit: closed and reopened at the cut.
    const long = Array.from({ length: 5 }, (_, i) => `${i} ${"&quot;ж&amp;".repeat(300)}`).join("\n");
    const html = `<i>Question</i>\n\n<b>${long}</b>\n<a href="https://example.org/?a=1&amp;b=2">${"я".repeat(5000)}</a>`;
    const pieces = splitHtml(html);
    expect(pieces).toHaveLength(4); // about 9,600 visible characters, cut at line breaks and inside the long link
    let seen = "";
    for (const p of pieces) {
      const parsed = parseTelegramHtml(p);
      if ("error" in parsed) throw new Error(`${parsed.error} in a piece: ${p.slice(0, 80)}`);
      expect(parsed.text.length).toBeLessThanOrEqual(4096);
      seen += parsed.text;
    }
    const whole = parseTelegramHtml(html);
    if ("error" in whole) throw new Error(`the whole message does not parse: ${whole.error}`);
    expect(seen.replace(/\n/g, "")).toBe(whole.text.replace(/\n/g, "")); // nothing lost
    expect(pieces.at(-1)).toMatch(/^<a href="https:\/\/example.org\/\?a=1&amp;b=2">я+<\/a>$/);
  });

  it("refuses what Telegram refuses", () => {
    expect(refusal("sendMessage", { text: "a & b", parse_mode: "HTML" })).toMatch(/bare "&"/);
    expect(refusal("sendMessage", { text: "1 < 2", parse_mode: "HTML" })).toMatch(/unexpected "<"/);
    expect(refusal("sendMessage", { text: "<script>x</script>", parse_mode: "HTML" })).toMatch(/unsupported start tag/);
    expect(refusal("sendMessage", { text: "x".repeat(4097) })).toMatch(/too long/);
    expect(
      refusal("sendMessage", { text: "ok", reply_markup: { inline_keyboard: [[{ text: "b", callback_data: "ж".repeat(33) }]] } }),
    ).toMatch(/BUTTON_DATA_INVALID/);
    expect(refusal("editMessageText", { text: "same", message_id: 1 }, { text: "same", markup: "null" })).toMatch(/not modified/);
    expect(refusal("sendMessage", { text: "a &amp; b &#39; <b>c</b>", parse_mode: "HTML" })).toBeUndefined();
  });
});

describe("flows:graph", () => {
  it("draws every node and every way on of the opening flow", () => {
    const { flows, i18n } = loadContent("flows", "locales");
    const chart = flowToMermaid(flows, "opening", i18n.getFixedT("en"));
    for (const n of flows.nodes.values()) if (n.flow === "opening") expect(chart).toContain(`opening__${n.id}`);
    expect(chart).toContain('opening__consent -->|"Not now"| opening__not_now');
    expect(chart).toContain('opening__country -->|"Kazakhstan / Uzbekistan / skipped"| legal__intro');
    expect(chart).toContain('legal__intro>"→ legal/intro"]');
  });
});

describe("translations, remembered only where nothing is filled in", () => {
  const { i18n } = loadContent("flows", "locales");
  const t = i18n.getFixedT("ru");
  it("a text with the person's words is translated afresh each time, and escaped", () => {
    const a = translate(t, { key: "common:answer.value", params: { value: "+7 701 <555>" } });
    const b = translate(t, { key: "common:answer.value", params: { value: "другое" } });
    expect(a).toContain("+7 701 &lt;555&gt;");
    expect(b).toContain("другое");
    expect(b).not.toContain("701");
  });
  it("a text that asks for a global (how long answers are kept) follows it; a plain one is the same each time", () => {
    const key = "common:pause";
    expect(translate(t, key, undefined, { retention: "30 дней" })).toContain("30 дней");
    expect(translate(t, key, undefined, { retention: "7 дней" })).toContain("7 дней");
    expect(translate(t, "common:wipe.yes")).toBe(translate(t, "common:wipe.yes"));
    // Another language has its own.
    expect(translate(i18n.getFixedT("kk"), "common:wipe.yes")).toBe("Өшіру");
  });
});
