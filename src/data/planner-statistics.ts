// Fresh planner statistics after a bulk write (migration 20261209000000): without
// them a table filled a moment ago is planned as if empty until autovacuum's next pass.
import type { Database } from "./database.js";

/** Refreshes the sales tables' statistics where `rowsWritten` outgrew them; how many tables were analysed (0 when another refresh is running). */
export async function refreshSalesStatistics(db: Pick<Database, "prisma">, rowsWritten: number): Promise<number> {
  const [row] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT app_refresh_sales_statistics(${Math.max(0, Math.trunc(rowsWritten))}::int) AS n`;
  return Number(row?.n ?? 0);
}
