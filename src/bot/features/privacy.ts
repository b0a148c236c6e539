/**
 * The person's control over their data: see what is stored (/mydata) and change any answer,
 * start over (/restart), delete everything (/delete). Destructive steps ask once to confirm.
 */

import { startState } from "../../flow/engine.js";
import { CALLBACKS } from "../callbacks.js";
import { FeatureComposer } from "../composer.js";
import { askToConfirm } from "../confirm.js";
import type { QadamContext } from "../context.js";
import { runInterview } from "../runner.js";
import { closePressed, send } from "../send.js";
import { tr } from "../text.js";
import { answerList } from "../views.js";

export const privacy = new FeatureComposer<QadamContext>();
const pm = privacy.chatType("private");

const askDelete = askToConfirm(
  "common:delete.confirm",
  ["common:delete.yes", CALLBACKS.delete.yes],
  ["common:delete.no", CALLBACKS.delete.no],
);
const askRestart = askToConfirm(
  "common:restart.confirm",
  ["common:restart.yes", CALLBACKS.restart.yes],
  ["common:restart.no", CALLBACKS.restart.no],
);

pm.command("delete", askDelete);
pm.command("restart", askRestart);
pm.callbackQuery(CALLBACKS.delete.ask, askDelete);
pm.callbackQuery(CALLBACKS.restart.ask, askRestart);

pm.callbackQuery(CALLBACKS.delete.yes, async (ctx) => {
  const done = tr(ctx, "common:delete.done");
  const refs = ctx.deps.referrals;
  await refs.store.forgetOwner(refs.ownerId(ctx.chat.id));
  // Assigning null makes grammY delete the stored value (the setter accepts null; the
  // intersection type of our context loses that detail).
  (ctx as { session: unknown }).session = null;
  // Deleting twice is harmless, so a double tap deletes, then finds the message already closed.
  await closePressed(ctx, done);
});
pm.callbackQuery(CALLBACKS.delete.no, (ctx) => closePressed(ctx, tr(ctx, "common:delete.kept")));

pm.callbackQuery(CALLBACKS.restart.yes, async (ctx) => {
  if (!(await closePressed(ctx))) return;
  ctx.session.interview = startState(ctx.deps.flows);
  delete ctx.session.lastQuestion;
  await runInterview(ctx, { type: "current" });
});
pm.callbackQuery(CALLBACKS.restart.no, (ctx) => closePressed(ctx, tr(ctx, "common:restart.kept")));

/** /mydata: every stored answer, numbered, with a button to change each one. */
pm.command("mydata", async (ctx) => {
  const list = answerList(ctx, "edit");
  const lines = [
    tr(ctx, "common:mydata.title"),
    tr(ctx, "common:mydata.language", { language: { key: `common:language.names.${ctx.lang}` } }),
  ];
  lines.push(...(list.lines.length ? list.lines : [tr(ctx, "common:mydata.none")]));
  lines.push(tr(ctx, "common:mydata.retention"));
  if (list.rows.length) lines.push(tr(ctx, "common:mydata.footer"));
  await send(ctx, lines.join("\n\n"), list.rows.length ? { inline_keyboard: list.rows } : undefined);
});
