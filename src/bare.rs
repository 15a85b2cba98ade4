//! What the standard library would provide on wasm32, for the build without
//! it (the npm package): an allocator and a panic handler.
//!
//! - The allocator is talc (smaller than std's dlmalloc in wasm, and faster;
//!   see its `BENCHMARKS_WASM.md`), growing wasm memory as needed.
//! - A panic traps (`unreachable`) without formatting its message, so no
//!   `core::fmt` machinery is linked in. std with `panic = "abort"` traps
//!   too, after formatting a message nobody reads (wasm32-unknown-unknown has
//!   no stderr). The JS caller sees a `RuntimeError: unreachable`, as before.

#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
