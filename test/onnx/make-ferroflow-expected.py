"""Writes ferroflow-expected.json: checksums of every initializer of the ferroflow fixture as the
`onnx` Python package reads them (external data included), so the TypeScript reader can be checked
against an independent implementation. Run from the repo root: python3 test/onnx/make-ferroflow-expected.py
"""
import json
import os

import numpy as np
import onnx
from onnx import numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
model_path = os.path.normpath(os.path.join(here, '..', '..', '..', 'shared', 'fixtures', 'onnx-real',
                                           'refuse', 'ferroflow_external_data', 'mlp.onnx'))
model = onnx.load(model_path, load_external_data=True)
out = []
for t in model.graph.initializer:
    a = numpy_helper.to_array(t).astype(np.float64).ravel()
    idx = np.arange(a.size, dtype=np.float64)
    out.append({
        'name': t.name,
        'dims': list(t.dims),
        'sum': float(a.sum()),
        'sumAbs': float(np.abs(a).sum()),
        # position-weighted sum catches swapped or shifted blocks that a plain sum would miss
        'weightedSum': float((a * ((idx % 97) + 1)).sum()),
        'first': [float(v) for v in a[:4]],
        'last': float(a[-1]),
    })
with open(os.path.join(here, 'ferroflow-expected.json'), 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', len(out), 'tensors')
