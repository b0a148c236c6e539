/**
 * The thread that builds and seals dossiers (see referrals/sealer.ts). It loads the same content,
 * partners file and signing key as the bot it serves, from the paths and keys the bot was given,
 * then answers the bot's requests until the bot stops it.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadContent } from "./content/load.js";
import { signingKeyFromSeed } from "./referrals/keys.js";
import { loadPartners } from "./referrals/partners.js";
import { type SealerSetup, serveSealing } from "./referrals/sealer.js";
import { cryptoReady } from "./storage/cipher.js";

const setup = workerData as SealerSetup;
if (!parentPort) throw new Error("seal-worker.ts runs as a worker thread of the bot (see referrals/sealer.ts)");
await cryptoReady();
const { flows, cards, triage, i18n } = loadContent(setup.flowsDir, setup.localesDir);
serveSealing(parentPort, {
  flows,
  cards,
  triage,
  i18n,
  directory: loadPartners(setup.partnersFile, setup.triagePublicKey),
  signer: signingKeyFromSeed(setup.signingKey),
});
