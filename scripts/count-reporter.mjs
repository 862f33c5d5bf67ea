// A node:test reporter that only counts, the way node's own summary does (suites are not tests;
// a file that fails to load counts as one failed test; todo counts as skipped here), and writes
// {"passed","failed","skipped"} as JSON to its destination. scripts/test.mjs runs it beside the
// spec reporter to add up several runner invocations into one closing line.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    if (data.details?.type === 'suite') continue;
    if (data.skip !== undefined || data.todo !== undefined) counts.skipped += 1;
    else if (event.type === 'test:pass') counts.passed += 1;
    else counts.failed += 1;
  }
  yield `${JSON.stringify(counts)}\n`;
}
