// Preloaded into node processes (NODE_OPTIONS="--import <this file>") by the cluster benchmark's `--profile DIR`:
// Node 20 refuses --cpu-prof in NODE_OPTIONS, so this drives V8's sampling profiler through the inspector.
// LUXKMS_BENCH_PROFILE_DIR: where profiles go. LUXKMS_BENCH_PROFILE_ON=signal: profile only between two SIGUSR2
// (each window its own file), so a profile can cover one operation and not the background work around it;
// otherwise the whole life of the process, written when it exits normally.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.LUXKMS_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  let running = false;
  let windows = 0;
  const start = () => {
    session.post('Profiler.start');
    running = true;
  };
  // A same-thread inspector session answers synchronously, so this also completes inside the 'exit' event.
  const stop = () => {
    if (!running) return;
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.pid}-${windows++}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  if (process.env.LUXKMS_BENCH_PROFILE_ON === 'signal') process.on('SIGUSR2', () => (running ? stop() : start()));
  else start();
  process.on('exit', stop);
}
