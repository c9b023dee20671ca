// A tiny ONNX protobuf writer: just enough to build the scaled dot-product
// attention graph the harness feeds to onnxruntime-web (no protobuf library).
//
//   O = Softmax(MatMul(Q, Transpose(K)) · scale [+ mask], axis = -1) · V
//   inputs  Q (m, d), K (n, d), V (n, dv) [, mask (m, n) additive: 0 or -1e9]
//   output  O (m, dv)            (m, n, d, dv symbolic: one model for every size)
//
// Wire format: field key = (number << 3) | wire type; 0 = varint, 2 = length-delimited,
// 5 = 32-bit. Field numbers are those of onnx.proto (ONNX IR 8, opset 13).

const te = new TextEncoder();

function varint(value) {
  // int64 two's complement for negatives (10 bytes), as protobuf does.
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}
const key = (field, wire) => varint((field << 3) | wire);
const cat = (...parts) => parts.flat();
const fVarint = (field, value) => cat(key(field, 0), varint(value));
const fBytes = (field, bytes) => cat(key(field, 2), varint(bytes.length), Array.from(bytes));
const fString = (field, s) => fBytes(field, te.encode(s));
const fMsg = (field, msg) => fBytes(field, msg);

const FLOAT = 1;  // TensorProto.DataType.FLOAT
const ATTR_INT = 2, ATTR_INTS = 7;

function dim(d) {  // TensorShapeProto.Dimension: dim_value = 1, dim_param = 2
  return typeof d === 'number' ? fVarint(1, d) : fString(2, d);
}
function valueInfo(name, dims) {
  const shape = cat(...dims.map((d) => fMsg(1, dim(d))));
  const tensorType = cat(fVarint(1, FLOAT), fMsg(2, shape));
  return cat(fString(1, name), fMsg(2, fMsg(1, tensorType)));  // ValueInfoProto{name, type{tensor_type}}
}
function node(op, inputs, outputs, attrs = []) {
  return cat(...inputs.map((s) => fString(1, s)), ...outputs.map((s) => fString(2, s)), fString(3, `${op}_${outputs[0]}`),
    fString(4, op), ...attrs.map((a) => fMsg(5, a)));
}
const attrInt = (name, i) => cat(fString(1, name), fVarint(20, ATTR_INT), fVarint(3, i));
const attrInts = (name, ints) => cat(fString(1, name), fVarint(20, ATTR_INTS), ...ints.map((i) => fVarint(8, i)));
function scalarTensor(name, value) {
  const raw = new Uint8Array(new Float32Array([value]).buffer);
  return cat(fVarint(2, FLOAT), fString(8, name), fBytes(9, raw));  // dims empty: a scalar
}

// The model bytes (Uint8Array). withMask adds the additive mask input.
export function sdpaModel({ scale, withMask }) {
  const nodes = [
    node('Transpose', ['K'], ['Kt'], [attrInts('perm', [1, 0])]),
    node('MatMul', ['Q', 'Kt'], ['S']),
    node('Mul', ['S', 'scale'], ['Ss']),
  ];
  let logits = 'Ss';
  if (withMask) {
    nodes.push(node('Add', ['Ss', 'mask'], ['Sm']));
    logits = 'Sm';
  }
  nodes.push(node('Softmax', [logits], ['P'], [attrInt('axis', -1)]));
  nodes.push(node('MatMul', ['P', 'V'], ['O']));
  const inputs = [valueInfo('Q', ['m', 'd']), valueInfo('K', ['n', 'd']), valueInfo('V', ['n', 'dv'])];
  if (withMask) inputs.push(valueInfo('mask', ['m', 'n']));
  const graph = cat(...nodes.map((n) => fMsg(1, n)), fString(2, 'sdpa'), fMsg(5, scalarTensor('scale', scale)),
    ...inputs.map((v) => fMsg(11, v)), fMsg(12, valueInfo('O', ['m', 'dv'])));
  const opset = cat(fString(1, ''), fVarint(2, 13));
  const model = cat(fVarint(1, 8), fString(2, 'attention-geometry-bench'), fMsg(8, opset), fMsg(7, graph));
  return Uint8Array.from(model);
}
