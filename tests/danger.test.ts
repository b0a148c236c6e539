/**
 * Danger first: the screens for urgent help and threats, and the result's closing, give the help
 * of the person's own country — the emergency numbers and the organisations the NGO lists in its
 * partners file, in the person's language — and no number that a translator wrote.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LANGS } from "../src/i18n/index.js";
import { Chat, testBot } from "./helpers/chat.js";
import { type Profile, walkToResult } from "./helpers/profile.js";

const urgent = (country: string): Profile => ({
  "opening/who": "self",
  "opening/country": country,
  "needs/areas": ["health"],
  "needs/health": ["urgent"],
});

describe("danger first", () => {
  it("a man in Kazakhstan, in Russian, says help is needed urgently: he reads Kazakhstan's numbers and the NGO's contact", async () => {
    const chat = new Chat(await testBot(), 6101, "ru");
    await chat.startIn("ru");
    await walkToResult(chat, chat.bot.app.deps.flows, urgent("kz"), { until: "needs/urgent_help" });
    const screen = chat.last();
    expect(screen).toContain("Вы сказали, что помощь нужна срочно.");
    expect(screen).toContain("🚑 Скорая помощь: 103\n🚓 Полиция: 102\n🆘 Служба экстренной помощи: 112");
    expect(screen).toContain("🚓 Полиция: 102");
    expect(screen).toContain("🆘 Служба экстренной помощи: 112");
    // The organisation by its Russian name, with its contacts, all from the partners file.
    expect(screen).toContain("🤝 Пример: Сеть защиты прав, Алматы: +7 700 000 00 00 · @example_rights_kz");
    expect(screen).not.toContain("Узбекистан");
  });

  it("a relative in Uzbekistan, in Uzbek Cyrillic, reads Uzbekistan's numbers and the organisation's Cyrillic name", async () => {
    const chat = new Chat(await testBot(), 6102, "uz");
    await chat.startIn("uz-Cyrl");
    await walkToResult(
      chat,
      chat.bot.app.deps.flows,
      { ...urgent("uz"), "opening/who": "other", "opening/person_knows": "agrees" },
      { until: "needs/urgent_help" },
    );
    const screen = chat.last();
    expect(screen).toContain("🚑 Тез ёрдам: 103");
    expect(screen).toContain("🚓 Полиция: 102");
    expect(screen).not.toContain("112"); // the partners file gives no unified number for Uzbekistan
    expect(screen).toContain("🤝 Намуна: ҳуқуқ ҳимоячилари, Тошкент: +998 00 000 00 00 · @example_rights_uz");
  });

  it("someone elsewhere, in English, is told to call the local emergency number and reads the desk's contact", async () => {
    const chat = new Chat(await testBot(), 6103, "en");
    await chat.startIn("en");
    await walkToResult(chat, chat.bot.app.deps.flows, urgent("other"), { until: "needs/urgent_help" });
    const screen = chat.last();
    expect(screen).toContain("🆘 The emergency number of the country you are in");
    expect(screen).toContain("🤝 Example Rights Network (triage desk): @example_rights_desk");
    expect(screen).not.toMatch(/\b10[23]\b/);
  });

  it("no danger text in any language names a number: the numbers are the NGO's, in the partners file", () => {
    for (const lang of LANGS) {
      const needs = JSON.parse(readFileSync(`locales/${lang}/needs.json`, "utf8"));
      const rights = JSON.parse(readFileSync(`locales/${lang}/rights.json`, "utf8"));
      for (const text of [needs.urgent_help.text, needs.safety_help.text, rights.urgent]) {
        expect(text, lang).toContain("{{help}}");
        expect(text.replace(/\{\{\w+\}\}/g, ""), lang).not.toMatch(/\d/);
      }
    }
  });

  it("a partners file with a help contact that is not a Telegram username is refused, naming the place", async () => {
    const dir = mkdtempSync(join(tmpdir(), "qadam-help-"));
    const file = join(dir, "partners.yaml");
    writeFileSync(file, readFileSync("examples/partners.yaml", "utf8").replace("@example_rights_uz", "example rights"));
    await expect(testBot({ PARTNERS_FILE: file })).rejects.toThrow(/help\.uz\.contacts\.0\.telegram: must be a Telegram username/);
  });
});
