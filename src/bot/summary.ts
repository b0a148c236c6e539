/**
 * "Send me my summary": the plan and every card that applies, with their sources, as one HTML file
 * that opens on a phone without a connection. Built in memory for this one reply, in the person's
 * language, and sent with protect_content; nothing of it is written or kept on the server.
 */
import { planOf, resultView } from "../rights/evaluate.js";
import type { QadamContext } from "./context.js";
import { tr } from "./text.js";
import { cardHtml, checkedHtml, planHtml, resultClosing } from "./views.js";

/** Telegram HTML is a subset of HTML: blocks keep their line breaks with pre-wrap. */
const block = (html: string) => `<section>${html}</section>`;

export function summaryDocument(ctx: QadamContext): string {
  const answers = ctx.session.interview?.answers ?? {};
  const result = resultView(ctx.deps.flows, ctx.deps.cards, answers);
  const plan = planOf(ctx.deps.flows, ctx.deps.cards, answers);
  const title = tr(ctx, "rights:summary_doc.title");
  const cards = result.cards.map((c, i) => block(`<p class="n">${i + 1}</p>${cardHtml(ctx, c)}`));
  // No script, no request: the page's policy allows its own styles and nothing else.
  return [
    "<!doctype html>",
    `<html lang="${ctx.lang}"><head><meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${title}</title>`,
    "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;color:#222}",
    "section{white-space:pre-wrap;border-top:1px solid #ccc;padding:.8rem 0}.n{float:left;margin:0 .6rem 0 0;font-weight:700}",
    "a{word-break:break-all}</style></head><body>",
    `<h1>${title}</h1>`,
    `<p>${tr(ctx, "rights:summary_doc.note")}</p>`,
    block(planHtml(ctx, { ...plan, more: 0 }, undefined, { document: true })),
    // Everything told about the needs, in full (the plan names only the areas).
    block(
      `${tr(ctx, "rights:summary_title")}\n${
        result.summary.length
          ? result.summary.map((line) => `• ${tr(ctx, line.label)}: ${tr(ctx, line.answer)}`).join("\n")
          : tr(ctx, "rights:summary_none")
      }`,
    ),
    ...cards,
    block(checkedHtml(ctx, result.checked)),
    block(resultClosing(ctx, false)),
    "</body></html>",
  ].join("\n");
}
