// Regenerates src/core/onnx/onnx-schema.json from ONNX's own onnx-ml.proto.
// The reader loads the JSON descriptor instead of parsing the .proto at run time, because the
// code runs bundled (esbuild, no .proto file beside it) and under tsx in tests alike.
// Usage: node scripts/gen-onnx-schema.mjs
import protobuf from 'protobufjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const protoPath = join(root, 'src/core/onnx/onnx-ml.proto');
const outPath = join(root, 'src/core/onnx/onnx-schema.json');

const parsed = protobuf.parse(readFileSync(protoPath, 'utf8'), { keepCase: true });
const json = parsed.root.toJSON();
writeFileSync(outPath, JSON.stringify(json, null, 1) + '\n');
console.log(`wrote ${outPath}`);
