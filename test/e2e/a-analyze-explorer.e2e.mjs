// Issue #5 (a): right-click a real model → "ReLU Lens: Analyze Model" → the panel shows the verdict
// and one neuron row per hidden neuron. Reference: test/fixtures/trained/converged-2d/case.json
// (torch-trained, P* bracketed by an exact convex solver).
import { openWorkspace, waitVerdict, listedNeurons, needPanel, trainedCase, until, expect } from './helpers.mjs';

export default {
  id: 'a-analyze-explorer',
  title: 'explorer → Analyze Model → verdict + neuron table',
  requires: needPanel,
  timeoutMs: 200_000,
  async run(ctx) {
    const { wb } = ctx;
    const ref = trainedCase(ctx.repo, 'converged-2d');
    await openWorkspace(ctx);
    await wb.explorerContextMenu('models/converged.onnx', 'Analyze Model');
    const { frame, verdict } = await waitVerdict(wb);
    ctx.log(`  verdict: ${verdict}`);
    // the reference's verdict at tol 1e-4 is "certified" (relGap ≈ 5e-7, exact reference)
    expect(ref.expectedVerdict === 'certified' && /Certified/.test(verdict), `expected "Certified" for converged-2d, panel says "${verdict}"`);
    // every neuron is accounted for: listed rows plus the dead/negligible ones folded into one summary row
    const rows = await until(`${ref.m} neurons in the table`, async () => ((await listedNeurons(frame)) === ref.m ? ref.m : null), { timeoutMs: 20_000 }).catch(async () => listedNeurons(frame));
    expect(rows === ref.m, `neuron table accounts for ${rows} neurons (rows + folded), expected m = ${ref.m}`);
    await wb.screenshot('panel');
  },
};
