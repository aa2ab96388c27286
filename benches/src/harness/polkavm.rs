//! PolkaVM 0.37 (pinned), interpreter or recompiler, on the blob Gannet's linker made; gas
//! metering `Sync` (charged at every basic block, as Gannet does).

use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use polkavm::{BackendKind, Caller, Engine, GasMeteringKind, InstancePre, Linker, Module, ModuleConfig};

use super::{gannet_host_mix, linked_blob, Input, Prepared, Vm};
use crate::suite::GuestBuild;

/// PolkaVM with one backend.
pub struct PolkaVm {
    backend: BackendKind,
    engine: Engine,
}

impl PolkaVm {
    /// An engine for `backend` (the recompiler needs Linux on x86-64 and its sandbox).
    pub fn new(backend: BackendKind) -> Result<PolkaVm> {
        let mut config = polkavm::Config::new();
        config.set_backend(Some(backend));
        let engine = Engine::new(&config).map_err(|e| anyhow!("PolkaVM {backend:?} engine: {e}"))?;
        Ok(PolkaVm { backend, engine })
    }
}

impl Vm for PolkaVm {
    fn name(&self) -> &'static str {
        match self.backend {
            BackendKind::Interpreter => "polkavm-interp",
            BackendKind::Compiler => "polkavm-jit",
        }
    }

    fn describe(&self) -> String {
        let backend = match self.backend {
            BackendKind::Interpreter => "interpreter",
            BackendKind::Compiler => "recompiler (Linux sandbox)",
        };
        format!("PolkaVM 0.37.0 {backend}, gas metering Sync, same blob as Gannet")
    }

    fn input(&self, build: &GuestBuild, program: &str) -> Result<Input> {
        linked_blob(build, program)
    }

    fn prepare(&self, input: &Input) -> Result<Box<dyn Prepared>> {
        let mut module_config = ModuleConfig::new();
        module_config.set_gas_metering(Some(GasMeteringKind::Sync));
        let module = Module::new(&self.engine, &module_config, input.bytes.clone().into())
            .map_err(|e| anyhow!("PolkaVM rejected {}: {e}", input.path.display()))?;
        let mut linker: Linker = Linker::new();
        linker
            .define_typed("gannet_host_mix", |_caller: Caller, x: u64| -> u64 { gannet_host_mix(x) })
            .map_err(|e| anyhow!("define gannet_host_mix: {e}"))?;
        let pre = linker.instantiate_pre(&module).map_err(|e| anyhow!("resolve imports: {e}"))?;
        let code_bytes = isa::blob::ProgramBlob::parse(&input.bytes).map(|b| b.code.code.len()).unwrap_or(0);
        Ok(Box::new(PolkaVmProgram { pre, code_bytes }))
    }
}

struct PolkaVmProgram {
    pre: InstancePre,
    code_bytes: usize,
}

impl Prepared for PolkaVmProgram {
    fn code_bytes(&self) -> usize {
        self.code_bytes
    }

    fn run(&mut self, n: u64) -> Result<(u64, Duration)> {
        let mut instance = self.pre.instantiate().map_err(|e| anyhow!("instantiate: {e}"))?;
        instance.set_gas(i64::MAX);
        let start = Instant::now();
        let result = instance.call_typed_and_get_result::<u64, (u64,)>(&mut (), "bench", (n,));
        let elapsed = start.elapsed();
        let value = result.map_err(|e| anyhow!("call bench: {e:?}"))?;
        Ok((value, elapsed))
    }
}
