// Under CI a failed test is tried once more (vitest.config.ts), so one slow
// moment on a loaded 2-core runner does not stop a whole submission. A test
// that needed the second try is still a defect to fix: this reporter lists
// each one at the end of the run, with its file, so it is seen and not hidden.
import type { Reporter, TestCase } from "vitest/node";

export default class FlakyReporter implements Reporter {
  private readonly flaky = new Set<string>();
  private printed = false;

  onTestCaseResult(testCase: TestCase): void {
    if (testCase.diagnostic()?.flaky) this.flaky.add(`${testCase.module.moduleId.replace(`${process.cwd()}/`, "")} > ${testCase.fullName}`);
  }

  onTestRunEnd(): void {
    // Said once, however many times the run reports its end.
    if (this.flaky.size === 0 || this.printed) return;
    this.printed = true;
    console.log(`\nPassed only on a second try (flaky; fix them):\n${[...this.flaky].map((name) => `  - ${name}`).join("\n")}\n`);
  }
}
