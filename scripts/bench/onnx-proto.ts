/**
 * The part of onnx.proto the bench's graph rewrites need (models, graphs, nodes, attributes, tensors, value
 * infos, opset ids), as protobufjs reflection: read an .onnx file into plain objects, change nodes and
 * initializers, write it back. Fields left out here (training info, functions, sparse tensors, metadata) are
 * dropped on the way through, which the bench's rewrites of exported cross-encoders never carry.
 */
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1; optional string ref_attr_name = 21; optional string doc_string = 13;
  optional int32 type = 20; optional float f = 2; optional int64 i = 3; optional bytes s = 4;
  optional TensorProto t = 5; optional GraphProto g = 6; optional TypeProto tp = 14;
  repeated float floats = 7; repeated int64 ints = 8; repeated bytes strings = 9;
  repeated TensorProto tensors = 10; repeated GraphProto graphs = 11; repeated TypeProto type_protos = 15;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; optional string doc_string = 3; }
message NodeProto {
  repeated string input = 1; repeated string output = 2; optional string name = 3; optional string op_type = 4;
  optional string domain = 7; repeated AttributeProto attribute = 5; optional string doc_string = 6;
}
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message ModelProto {
  optional int64 ir_version = 1; repeated OperatorSetIdProto opset_import = 8; optional string producer_name = 2;
  optional string producer_version = 3; optional string domain = 4; optional int64 model_version = 5;
  optional string doc_string = 6; optional GraphProto graph = 7; repeated StringStringEntryProto metadata_props = 14;
}
message GraphProto {
  repeated NodeProto node = 1; optional string name = 2; repeated TensorProto initializer = 5;
  optional string doc_string = 10; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1; optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true]; repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6; repeated int64 int64_data = 7 [packed = true]; optional string name = 8;
  optional string doc_string = 12; optional bytes raw_data = 9; repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}
message TensorShapeProto {
  message Dimension { optional int64 dim_value = 1; optional string dim_param = 2; optional string denotation = 3; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  optional Tensor tensor_type = 1; optional string denotation = 6;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
`;

/** onnx TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
/** onnx AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

export interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number | { toNumber(): number };
  ints?: (number | { toNumber(): number })[];
}
export interface Node {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: Attribute[];
}
export interface Tensor {
  name: string;
  dims: (number | { toNumber(): number })[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: (number | { toNumber(): number })[];
}
export interface Graph {
  node: Node[];
  initializer: Tensor[];
  input: unknown[];
  output: unknown[];
  valueInfo?: unknown[];
}
export interface Model {
  graph: Graph;
  opsetImport: { domain?: string; version: number | { toNumber(): number } }[];
}

const ModelProto = protobuf.parse(SCHEMA, { keepCase: false }).root.lookupType('onnx.ModelProto');

export function readModel(bytes: Uint8Array): Model {
  return ModelProto.toObject(ModelProto.decode(bytes), { arrays: true, defaults: false }) as unknown as Model;
}

export function writeModel(model: Model): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(model as unknown as Record<string, unknown>)).finish();
}

export const toNumber = (value: number | { toNumber(): number } | undefined): number =>
  value === undefined ? Number.NaN : typeof value === 'number' ? value : value.toNumber();

/** A tensor's values as numbers, whichever field holds them. */
export function tensorValues(tensor: Tensor): Float32Array | Int8Array | Uint8Array | Int32Array | number[] {
  const raw = tensor.rawData;
  if (raw !== undefined && raw.length > 0) {
    const copy = raw.slice();
    if (tensor.dataType === DataType.FLOAT) return new Float32Array(copy.buffer, 0, copy.length / 4);
    if (tensor.dataType === DataType.INT8) return new Int8Array(copy.buffer);
    if (tensor.dataType === DataType.UINT8) return copy;
    if (tensor.dataType === DataType.INT32) return new Int32Array(copy.buffer, 0, copy.length / 4);
    if (tensor.dataType === DataType.INT64) return Array.from(new BigInt64Array(copy.buffer, 0, copy.length / 8), Number);
    throw new Error(`tensor ${tensor.name}: data type ${tensor.dataType} not handled`);
  }
  if (tensor.floatData !== undefined && tensor.floatData.length > 0) return Float32Array.from(tensor.floatData);
  if (tensor.int32Data !== undefined && tensor.int32Data.length > 0) return tensor.int32Data; // int8 / uint8 / int32 live here
  if (tensor.int64Data !== undefined) return tensor.int64Data.map(toNumber);
  return [];
}
