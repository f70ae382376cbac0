// A child process of `npm run conformance` (main.ts): runs the cases its parent sends, one at a time, and answers each
// with its CaseResult. Cases run here, not in the parent, so that the parent's kill timer can end one that hangs
// (the CPU executor runs synchronously: nothing inside the process could interrupt it).
import { runCase, type RunCaseOptions } from './corpus.js';

export interface WorkerRequest { corpus: string; name: string; opts: RunCaseOptions }

process.on('message', (msg: WorkerRequest) => {
  void runCase(msg.corpus, msg.name, msg.opts).then((r) => process.send!(r));
});
process.on('disconnect', () => process.exit(0));
