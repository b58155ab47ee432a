;; Counts the newline bytes (0x0a) in mem[0..len): 16 bytes at a time with SIMD compares, then byte by byte.
;; Assembled into src/verdict/wasm/newlines.ts by `npm run build:wasm` (wabt); a unit test checks that they match.
(module
  (memory (export "mem") 2)
  ;; newlines in mem[0..len)
  (func (export "count") (param $len i32) (result i32)
    (local $i i32) (local $n i32) (local $nl v128) (local $end i32)
    (local.set $nl (i8x16.splat (i32.const 10)))
    (local.set $end (i32.and (local.get $len) (i32.const -16)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $n (i32.add (local.get $n)
          (i32.popcnt (i8x16.bitmask (i8x16.eq (v128.load (local.get $i)) (local.get $nl))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l)))
    (block $d2
      (loop $l2
        (br_if $d2 (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $n (i32.add (local.get $n) (i32.eq (i32.load8_u (local.get $i)) (i32.const 10))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l2)))
    (local.get $n)))
