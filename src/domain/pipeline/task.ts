// Tasks: follow-ups with a due time and an assignee. Open until done or cancelled; both are final.
export const TASK_STATUSES = ["OPEN", "DONE", "CANCELLED"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export function canFinishTask(status: TaskStatus): boolean {
  return status === "OPEN";
}
