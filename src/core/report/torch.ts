/**
 * A PyTorch snippet that loads a network (the §4 optimum or a witness) into
 * nn.Sequential(nn.Linear, nn.ReLU, nn.Linear) — the shape the user trained. The weights are
 * written as JSON arrays of float64 in their shortest round-trip form, which Python reads back to
 * the same doubles, so the module computes exactly the network the JSON holds.
 */
import type { NetworkJson } from './analysisJson';

export interface TorchSnippetOptions {
  /** what the network is ('optimum' | 'witness' | …), said in the first comment */
  label?: string;
  /** the model's output head (ONNX): the snippet says what to append for it */
  head?: string;
}

const HEAD_MODULE: Record<string, string> = { sigmoid: 'nn.Sigmoid()', softmax: 'nn.Softmax(dim=1)', logsoftmax: 'nn.LogSoftmax(dim=1)' };

export function torchSnippet(net: NetworkJson, opts: TorchSnippetOptions = {}): string {
  const m = net.W1.length;
  const d = m ? net.W1[0].length : 0;
  const c = net.W2.length;
  const head = opts.head ? HEAD_MODULE[opts.head.toLowerCase()] : undefined;
  const L = [
    `# ReLU Lens: the ${opts.label ?? 'network'} as a PyTorch module (float64, the exact weights of the analysis JSON).`,
    'import torch',
    'from torch import nn',
    '',
    `W1 = ${JSON.stringify(net.W1)}  # ${m} x ${d}`,
    `b1 = ${JSON.stringify(net.b1)}`,
    `W2 = ${JSON.stringify(net.W2)}  # ${c} x ${m}`,
    `b2 = ${JSON.stringify(net.b2)}`,
    '',
    `model = nn.Sequential(nn.Linear(${d}, ${m}, bias=${net.b1 ? 'True' : 'False'}), nn.ReLU(), nn.Linear(${m}, ${c}, bias=${net.b2 ? 'True' : 'False'})).double()`,
    'with torch.no_grad():',
    `    model[0].weight.copy_(torch.tensor(W1, dtype=torch.float64).reshape(${m}, ${d}))`,
    ...(net.b1 ? [`    model[0].bias.copy_(torch.tensor(b1, dtype=torch.float64).reshape(${m}))`] : []),
    `    model[2].weight.copy_(torch.tensor(W2, dtype=torch.float64).reshape(${c}, ${m}))`,
    ...(net.b2 ? [`    model[2].bias.copy_(torch.tensor(b2, dtype=torch.float64).reshape(${c}))`] : []),
  ];
  if (head)
    L.push('', `# the original model ends in ${opts.head}: append ${head} for its outputs (the certificate is about the logits)`, `# model.append(${head})`);
  return L.join('\n') + '\n';
}
