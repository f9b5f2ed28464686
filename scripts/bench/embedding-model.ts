/**
 * The bench's embedding model, derived at bench time (nothing large committed): the q8 cross-encoder
 * fixtures/bench/ms-marco-minilm-l6-shape has the same MiniLM-L6 body as all-MiniLM-L6-v2 (6 layers, 384 wide,
 * the bert-base-uncased vocabulary), so exposing its encoder's last hidden state as a graph output named
 * `last_hidden_state` gives a sentence-embedding graph of that size and cost. With sentence-transformers' mean
 * pooling and Normalize files beside it, both contenders (`createEmbedder` and transformers.js's
 * `feature-extraction` pipeline) load it as they would all-MiniLM-L6-v2. Its vectors are not meaningful
 * embeddings (the weights were trained to rerank); the bench times the work, and checks that both contenders
 * return the same vectors.
 *
 * How: a protobuf message read twice merges, repeated fields appending (the protobuf encoding rules), so the
 * model's bytes followed by one more `graph` field holding an Identity node and a graph output are the model
 * with that node and output, every other byte untouched. protobufjs reads the node list (to find the hidden
 * state: the first input of the pooler's first node) and writes the appended field.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import protobuf from 'protobufjs/minimal.js';
import { MODEL_DIR } from './config.js';

export const EMBEDDING_MODEL = 'minilm-l6-embedding-shape';
export const EMBEDDING_BASE = '/bench/.build/models';
const OUT_DIR = resolve('bench/.build/models', EMBEDDING_MODEL);
const OUTPUT = 'last_hidden_state';
const HIDDEN = 384;

// Field numbers of onnx.proto (ModelProto.graph, GraphProto.node / output, NodeProto.input / output / name /
// op_type, ValueInfoProto.name / type, TypeProto.tensor_type, Tensor.elem_type / shape, Dimension.dim_value /
// dim_param); FLOAT is TensorProto.DataType 1.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const FLOAT = 1;

interface NodeInfo {
  readonly name: string;
  readonly inputs: string[];
}

function fieldsOf(bytes: Uint8Array, wanted: number): Uint8Array[] {
  const reader = protobuf.Reader.create(bytes);
  const found: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === wanted && (tag & 7) === 2) found.push(reader.bytes());
    else reader.skipType(tag & 7);
  }
  return found;
}

function nodeInfo(bytes: Uint8Array): NodeInfo {
  const reader = protobuf.Reader.create(bytes);
  const inputs: string[] = [];
  let name = '';
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) inputs.push(reader.string());
    else if (tag >>> 3 === 3) name = reader.string();
    else reader.skipType(tag & 7);
  }
  return { name, inputs };
}

/** The encoder's last hidden state: what the pooler (CLS Gather, dense, tanh) reads first. */
function hiddenStateTensor(model: Uint8Array): string {
  const graphs = fieldsOf(model, MODEL_GRAPH);
  const nodes = graphs.flatMap((graph) => fieldsOf(graph, GRAPH_NODE)).map(nodeInfo);
  const pooler = nodes.find((node) => /\/pooler\//.test(node.name));
  const tensor = pooler?.inputs[0];
  if (tensor === undefined) throw new Error(`${MODEL_DIR}: no pooler node, so no last hidden state to expose`);
  return tensor;
}

/** A GraphProto holding only the Identity node and the graph output, as a `graph` field of ModelProto. */
function appendedGraphField(hidden: string): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((MODEL_GRAPH << 3) | 2).fork();
  w.uint32((GRAPH_NODE << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(hidden); // input
  w.uint32((2 << 3) | 2).string(OUTPUT); // output
  w.uint32((3 << 3) | 2).string('bench/expose_last_hidden_state'); // name
  w.uint32((4 << 3) | 2).string('Identity'); // op_type
  w.ldelim();
  w.uint32((GRAPH_OUTPUT << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(OUTPUT); // ValueInfoProto.name
  w.uint32((2 << 3) | 2).fork(); // type: TypeProto
  w.uint32((1 << 3) | 2).fork(); // tensor_type
  w.uint32((1 << 3) | 0).int32(FLOAT); // elem_type
  w.uint32((2 << 3) | 2).fork(); // shape
  w.uint32((1 << 3) | 2).fork().uint32((2 << 3) | 2).string('batch_size').ldelim();
  w.uint32((1 << 3) | 2).fork().uint32((2 << 3) | 2).string('sequence_length').ldelim();
  w.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 0).int64(HIDDEN).ldelim();
  w.ldelim().ldelim().ldelim().ldelim();
  w.ldelim();
  return w.finish();
}

/** Writes bench/.build/models/<EMBEDDING_MODEL>/ (q8 graph, config, tokenizer, sentence-transformers files) once. */
export function deriveEmbeddingModel(): { dir: string; hiddenState: string } {
  const source = readFileSync(resolve(MODEL_DIR, 'onnx/model_quantized.onnx'));
  const hidden = hiddenStateTensor(source);
  const target = resolve(OUT_DIR, 'onnx/model_quantized.onnx');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, Buffer.concat([source, appendedGraphField(hidden)]));
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) copyFileSync(resolve(MODEL_DIR, file), resolve(OUT_DIR, file));
  const config = JSON.parse(readFileSync(resolve(MODEL_DIR, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(resolve(OUT_DIR, 'config.json'), JSON.stringify({ ...config, architectures: ['BertModel'] }, null, 2));
  // all-MiniLM-L6-v2's sentence-transformers files: mean pooling, then Normalize, 256 tokens.
  writeFileSync(
    resolve(OUT_DIR, 'modules.json'),
    JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
    ]),
  );
  mkdirSync(resolve(OUT_DIR, '1_Pooling'), { recursive: true });
  writeFileSync(
    resolve(OUT_DIR, '1_Pooling/config.json'),
    JSON.stringify({ word_embedding_dimension: HIDDEN, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false }),
  );
  writeFileSync(resolve(OUT_DIR, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 256, do_lower_case: false }));
  return { dir: OUT_DIR, hiddenState: hidden };
}
