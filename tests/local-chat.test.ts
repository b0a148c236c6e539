/**
 * `npm start` without a Telegram token: the local chat, scripted through piped input, and the
 * clear refusals when it cannot run.
 */
import { readFileSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runWithInput } from "./helpers/spawn.js";

describe("the local chat (npm start without a token)", () => {
  it("runs the opening in Russian from piped input: language, consent, back, skip, change, summary", async () => {
    // language: Русский; continue; agree; a relative; they agree; back, back; skip "who"; another
    // country; the summary; change answer 2 to "myself"; keep the country; pause; come back.
    const input = `${["/start", "5", "1", "1", "2", "1", "a", "a", "b", "3", "/mydata", "2", "1", "c", "/pause", "/start", "1"].join("\n")}\n`;
    const { code, stdout, stderr } = await runWithInput(input);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("[5] Русский");
    expect(stdout).toContain("Хотите продолжить?");
    expect(stdout).toContain("В какой стране велось дело Вашего родственника?"); // a relative answers
    expect(stdout).toContain("Ваш ответ: пропущено"); // "b" skipped who-is-asking after going back
    expect(stdout).toContain("В какой стране велось Ваше дело?"); // so the person is asked directly
    expect(stdout).toContain("Что Qadam хранит о Вас");
    expect(stdout).toContain("Ваши ответы хранятся 30 дней"); // /pause
    expect(stdout).toContain("С возвращением"); // /start again: continue, start over or delete
    expect(stdout.slice(stdout.lastIndexOf("> 1"))).toContain("Пока Qadam знает только законы"); // continued where the person stopped
    expect(stdout).not.toMatch(/Telegram would refuse/);
  });

  it("a man in Kazakhstan, in Russian, reaches the plan, opens step 1 and its sources, and keeps the summary file", async () => {
    // ru; continue; agree; myself; Kazakhstan; continue; acquitted; notice skipped; the date; the
    // charge; pending skipped; continue; areas typed and pressed; work; health skipped; continue;
    // ill-treatment and note skipped; then the plan: step 1, its sources, back, the summary.
    const steps = ["/start", "1", "1", "1", "1", "1", "1", "1", "b", "15.03.2025", "1", "6", "b", "1", "Здоровье", "1", "10"];
    const rest = ["1", "6", "b", "1", "b", "b", "b", "p1", "p1", "p1", "p5"];
    const { code, stdout, stderr } = await runWithInput(`${[...steps, ...rest].join("\n")}\n`, { LANG: "ru_RU.UTF-8" });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const plan = stdout.slice(stdout.indexOf("Спасибо. Вот краткий план"));
    expect(plan.split("\n")[2]).toBe("⏳ Возможно, уже идёт срок: см. шаг 1.");
    expect(plan).toContain("1. В течение 6 месяцев со дня получения извещения: потребовать возмещения вреда — УПК, ст. 39");
    expect(plan).toContain("[p1] 1 ▸");
    // p1 after the closing message below it still opens the plan's first step, in place.
    const card = plan.slice(plan.indexOf("> p1"));
    expect(card).toContain("Казахстан: возмещение вреда государством");
    expect(card).toContain("[p1] 📚 Источники   [p2] ◀ Назад к плану");
    expect(card).toContain("Уголовно-процессуальный кодекс Республики Казахстан, ст. 37–42");
    const file = /📄 summary\.html \(\d+ KB\): (\S+)/.exec(stdout)?.[1];
    expect(file).toBeDefined();
    const html = readFileSync(file!, "utf8");
    rmSync(file!);
    expect(html).toContain("<title>Итог: права и следующие шаги</title>");
    expect(stdout).not.toMatch(/Telegram would refuse/);
  });

  it("refuses to start with no token, no terminal and no input, and says what to do", async () => {
    const { code, stderr } = await runWithInput("");
    expect(code).toBe(2);
    expect(stderr).toMatch(/no BOT_TOKEN is set, and there is neither a terminal nor any input/);
  });

  it("refuses to start on Telegram without the keys that protect stored answers", async () => {
    const { code, stderr } = await runWithInput("", { BOT_TOKEN: "123456:test-token-for-the-local-emulator-only" });
    expect(code).toBe(1);
    expect(stderr).toMatch(/SESSION_KEYS: is required when BOT_TOKEN is set/);
    expect(stderr).toMatch(/SESSION_SECRET: is required when BOT_TOKEN is set/);
    expect(stderr).toMatch(/SIGNING_KEY: is required when BOT_TOKEN is set/);
    expect(stderr).toMatch(/REDIS_URL: is required when BOT_TOKEN is set/);
    expect(stderr).toMatch(/PARTNERS_FILE: is the example file/);
  });
});
