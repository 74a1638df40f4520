// ONNX Runtime (the npm package onnxruntime-node, on the CPU) runs an exported model on inputs
// from an .npy file and compares its outputs with neurite's, from another .npy file:
//   node run_onnxruntime.mjs MODEL.onnx INPUTS.npy NEURITE_OUTPUTS.npy [TOLERANCE]
// Prints one line with the largest absolute difference; exits 1 when it exceeds TOLERANCE
// (default 1e-5), when the shapes differ, or when an output is not a finite number.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';

// A little-endian float32 .npy file (version 1, 2 or 3, C order): its shape and values.
function readNpy(path) {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not an .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${path}: not float32 (${header.trim()})`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const offset = start + headerLength;
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + bytes.length));
  return { shape, values };
}

const [modelPath, inputsPath, expectedPath, toleranceText] = process.argv.slice(2);
if (!expectedPath) {
  console.error('usage: node run_onnxruntime.mjs MODEL.onnx INPUTS.npy NEURITE_OUTPUTS.npy [TOLERANCE]');
  process.exit(2);
}
const tolerance = Number(toleranceText ?? 1e-5);
const inputs = readNpy(inputsPath);
const expected = readNpy(expectedPath);

const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', inputs.values, inputs.shape) };
const result = await session.run(feeds);
const output = result[session.outputNames[0]];

const name = modelPath.split('/').pop();
const sameShape = output.dims.length === expected.shape.length && output.dims.every((d, i) => d === expected.shape[i]);
if (!sameShape) {
  console.log(`${name}: ONNX Runtime gives shape [${output.dims}], neurite [${expected.shape}]`);
  process.exit(1);
}
let largest = 0;
for (let i = 0; i < output.data.length; ++i) {
  const difference = Math.abs(output.data[i] - expected.values[i]);
  if (!Number.isFinite(output.data[i]) || !(difference <= largest)) largest = Number.isFinite(difference) ? difference : Infinity;
}
const version = createRequire(import.meta.url)('onnxruntime-node/package.json').version;
const verdict = largest <= tolerance ? 'within' : 'OVER';
console.log(`${name}: ${expected.shape[0]} samples, outputs [${output.dims.slice(1)}]: largest difference ` +
            `${largest.toExponential(2)} (${verdict} ${tolerance}; ONNX Runtime ${version})`);
process.exit(largest <= tolerance ? 0 : 1);
