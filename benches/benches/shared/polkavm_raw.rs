//! PolkaVM 0.37's interpreter on an assembly benchmark program (its `main` export), gas
//! metering `Sync`: shared by the `interpreter` bench and the `interp_ab` example.

use polkavm::{BackendKind, GasMeteringKind, InterruptKind, ProgramCounter, Reg};

/// An instance of `bytes` on PolkaVM's interpreter and the pc of its `main` export.
pub fn polkavm_instance(bytes: Vec<u8>) -> (polkavm::RawInstance, u32) {
    let mut config = polkavm::Config::new();
    config.set_backend(Some(BackendKind::Interpreter));
    let engine = polkavm::Engine::new(&config).expect("polkavm engine");
    let mut module_config = polkavm::ModuleConfig::new();
    module_config.set_gas_metering(Some(GasMeteringKind::Sync));
    let module = polkavm::Module::new(&engine, &module_config, bytes.into()).expect("polkavm module");
    let pc =
        module.exports().find(|e| e.symbol().as_bytes() == b"main").expect("main export").program_counter();
    (module.instantiate().expect("polkavm instance"), pc.0)
}

/// Runs `main(arg)` with unlimited gas; returns `a0` (panics unless it finishes).
pub fn run_polkavm(instance: &mut polkavm::RawInstance, pc: u32, arg: u64) -> u64 {
    instance.set_gas(i64::MAX);
    instance.prepare_call_untyped(ProgramCounter(pc), &[arg]);
    match instance.run().expect("polkavm run") {
        InterruptKind::Finished => instance.reg(Reg::A0),
        other => panic!("polkavm stopped with {other:?}"),
    }
}
