// Under CI a failed test is tried once more (vitest.config.ts), so one slow
// moment on a loaded 2-core runner does not stop a whole submission. A test
// that needed the second try is still a defect to fix: this reporter lists
// each one at the end of the run, with its file, so it is seen and not hidden.
import type { Reporter, TestCase } from "vitest/node";

export default class FlakyReporter implements Reporter {
  private readonly flaky: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    if (testCase.diagnostic()?.flaky) this.flaky.push(`${testCase.module.moduleId.replace(`${process.cwd()}/`, "")} > ${testCase.fullName}`);
  }

  onTestRunEnd(): void {
    if (this.flaky.length === 0) return;
    console.log(`\nPassed only on a second try (flaky; fix them):\n${this.flaky.map((name) => `  - ${name}`).join("\n")}\n`);
  }
}
