;; Dot products of one query against rows of float32 vectors, four f32x4 accumulators (16 lanes) per row.
;; Compiled to dot-kernel-wasm.ts by `npm run build:dot-kernel` (scripts/search/build-dot-kernel.mjs, wabt).
;; scores(query, rows, count, strideBytes, out): all byte addresses in the exported memory; strideBytes is a
;; multiple of 64 (rows are zero-padded to it, which adds nothing to a dot product) and at least 64;
;; out receives `count` float32 scores.
(module
  (memory (export "memory") 1)
  (func (export "scores") (param $query i32) (param $row i32) (param $count i32) (param $stride i32) (param $out i32)
    (local $end i32) (local $i i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.add (local.get $row) (i32.mul (local.get $count) (local.get $stride))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (loop $lanes
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
            (v128.load (i32.add (local.get $row) (local.get $i)))
            (v128.load (i32.add (local.get $query) (local.get $i))))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
            (v128.load offset=16 (i32.add (local.get $row) (local.get $i)))
            (v128.load offset=16 (i32.add (local.get $query) (local.get $i))))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul
            (v128.load offset=32 (i32.add (local.get $row) (local.get $i)))
            (v128.load offset=32 (i32.add (local.get $query) (local.get $i))))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul
            (v128.load offset=48 (i32.add (local.get $row) (local.get $i)))
            (v128.load offset=48 (i32.add (local.get $query) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 64)))
          (br_if $lanes (i32.lt_u (local.get $i) (local.get $stride))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (f32.store (local.get $out) (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
          (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (br $rows)))))
