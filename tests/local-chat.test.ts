/**
 * `npm start` without a Telegram token: the local chat, scripted through piped input, and the
 * clear refusals when it cannot run.
 */
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
