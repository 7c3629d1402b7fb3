// Runs `fn` at most once per `ms`, always once more after the last request (events such as
// `library.changed` can arrive many times a second during a scan; one refetch per burst is enough).
export function coalesce(fn: () => unknown, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let again = false;
  const run = () => {
    timer = null;
    fn();
    if (again) {
      again = false;
      timer = setTimeout(run, ms);
    }
  };
  const trigger = () => {
    if (timer) {
      again = true;
      return;
    }
    fn();
    timer = setTimeout(() => {
      timer = null;
      if (again) {
        again = false;
        run();
      }
    }, ms);
  };
  trigger.cancel = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    again = false;
  };
  return trigger;
}
