;; The two hot loops of the serial watcher, for WebAssembly SIMD (16 bytes per step where it can).
;; Assembled into scan.ts beside this file by `npm run build:wasm` (wabt); a unit test checks they
;; match. The caller copies a block of whole lines to mem[0..n) and keeps room for the output.
(module
  (memory (export "mem") 2)

  ;; How many newline bytes (0x0a) mem[at..at+n) holds.
  (func (export "count") (param $at i32) (param $n i32) (result i32)
    (local $i i32) (local $c i32) (local $nl v128) (local $end i32)
    (local.set $nl (i8x16.splat (i32.const 0x0a)))
    (local.set $i (local.get $at))
    (local.set $n (i32.add (local.get $at) (local.get $n)))
    (local.set $end (i32.add (local.get $at) (i32.and (i32.sub (local.get $n) (local.get $at)) (i32.const -16))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.add (local.get $c)
          (i32.popcnt (i8x16.bitmask (i8x16.eq (v128.load (local.get $i)) (local.get $nl))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $step)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.add (local.get $c) (i32.eq (i32.load8_u (local.get $i)) (i32.const 0x0a))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))
    (local.get $c))

  ;; cleanLine() on bytes (see cleanBlock in watcher.ts, the reference): copies mem[0..n) to
  ;; mem[out..) without ANSI escape sequences (CSI, OSC ended by BEL or ESC \ or the line's end,
  ;; two-byte escapes) and without NUL, CR and DEL. Returns the length written. Needs 16 bytes of
  ;; room past the output's end.
  (func (export "clean") (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $o i32) (local $c i32) (local $d i32) (local $j i32) (local $m i32) (local $k i32)
    (local $v v128) (local $esc v128) (local $cr v128) (local $del v128)
    (local.set $esc (i8x16.splat (i32.const 0x1b)))
    (local.set $cr (i8x16.splat (i32.const 0x0d)))
    (local.set $del (i8x16.splat (i32.const 0x7f)))
    (local.set $o (local.get $out))
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; 16 bytes at once: stored as they are; kept whole when none needs a look
        (if (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $n))
          (then
            (local.set $v (v128.load (local.get $i)))
            (local.set $m (i8x16.bitmask
              (v128.or
                (v128.or (i8x16.eq (local.get $v) (local.get $esc)) (i8x16.eq (local.get $v) (v128.const i32x4 0 0 0 0)))
                (v128.or (i8x16.eq (local.get $v) (local.get $cr)) (i8x16.eq (local.get $v) (local.get $del))))))
            (v128.store (local.get $o) (local.get $v))
            (if (i32.eqz (local.get $m))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $top)))
            ;; keep the bytes before the first one that needs a look
            (local.set $k (i32.ctz (local.get $m)))
            (local.set $i (i32.add (local.get $i) (local.get $k)))
            (local.set $o (i32.add (local.get $o) (local.get $k)))))
        (local.set $c (i32.load8_u (local.get $i)))
        (if (i32.eq (local.get $c) (i32.const 0x1b))
          (then
            (local.set $d (i32.const -1))
            (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
              (then (local.set $d (i32.load8_u (i32.add (local.get $i) (i32.const 1))))))
            ;; CSI: ESC [ parameters (0x30-0x3f)* intermediates (0x20-0x2f)* final (0x40-0x7e)
            (if (i32.eq (local.get $d) (i32.const 0x5b))
              (then
                (local.set $j (i32.add (local.get $i) (i32.const 2)))
                (block $b (loop $l
                  (br_if $b (i32.ge_u (local.get $j) (local.get $n)))
                  (br_if $b (i32.gt_u (i32.sub (i32.load8_u (local.get $j)) (i32.const 0x30)) (i32.const 0x0f)))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $l)))
                (block $b (loop $l
                  (br_if $b (i32.ge_u (local.get $j) (local.get $n)))
                  (br_if $b (i32.gt_u (i32.sub (i32.load8_u (local.get $j)) (i32.const 0x20)) (i32.const 0x0f)))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $l)))
                (if (i32.lt_u (local.get $j) (local.get $n))
                  (then
                    (if (i32.le_u (i32.sub (i32.load8_u (local.get $j)) (i32.const 0x40)) (i32.const 0x3e))
                      (then
                        (local.set $i (i32.add (local.get $j) (i32.const 1)))
                        (br $top)))))
                ;; not a complete CSI: the ESC stays
                (i32.store8 (local.get $o) (i32.const 0x1b))
                (local.set $o (i32.add (local.get $o) (i32.const 1)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $top)))
            ;; OSC: ESC ] text up to BEL or ESC \; unterminated, up to the next ESC or the line's end
            (if (i32.eq (local.get $d) (i32.const 0x5d))
              (then
                (local.set $j (i32.add (local.get $i) (i32.const 2)))
                (block $b (loop $l
                  (br_if $b (i32.ge_u (local.get $j) (local.get $n)))
                  (local.set $c (i32.load8_u (local.get $j)))
                  (br_if $b (i32.eq (local.get $c) (i32.const 0x07)))
                  (br_if $b (i32.eq (local.get $c) (i32.const 0x1b)))
                  (br_if $b (i32.eq (local.get $c) (i32.const 0x0a)))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $l)))
                (if (i32.lt_u (local.get $j) (local.get $n))
                  (then
                    (if (i32.eq (i32.load8_u (local.get $j)) (i32.const 0x07))
                      (then (local.set $j (i32.add (local.get $j) (i32.const 1))))
                      (else
                        (if (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $n))
                          (then
                            (if (i32.and
                                  (i32.eq (i32.load8_u (local.get $j)) (i32.const 0x1b))
                                  (i32.eq (i32.load8_u (i32.add (local.get $j) (i32.const 1))) (i32.const 0x5c)))
                              (then (local.set $j (i32.add (local.get $j) (i32.const 2)))))))))))
                (local.set $i (local.get $j))
                (br $top)))
            ;; two-byte escape: ESC 0x40-0x5f ([ and ] were handled above)
            (if (i32.le_u (i32.sub (local.get $d) (i32.const 0x40)) (i32.const 0x1f))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 2)))
                (br $top)))
            ;; a lone ESC stays
            (i32.store8 (local.get $o) (i32.const 0x1b))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $top)))
        ;; NUL, CR and DEL are dropped; any other byte is kept
        (if (i32.and
              (i32.and (i32.ne (local.get $c) (i32.const 0x00)) (i32.ne (local.get $c) (i32.const 0x0d)))
              (i32.ne (local.get $c) (i32.const 0x7f)))
          (then
            (i32.store8 (local.get $o) (local.get $c))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i32.sub (local.get $o) (local.get $out)))
)
