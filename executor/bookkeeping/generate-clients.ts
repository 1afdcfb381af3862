// Generates the Prisma clients of the books (one per provider) into executor/bookkeeping/generated/.
// Run it after installing and whenever a schema changes:
//   node --import tsx executor/bookkeeping/generate-clients.ts
import { SCHEMA_PATHS } from "./database.ts";
import { runPrismaCli } from "./prisma-cli.ts";

for (const schemaPath of Object.values(SCHEMA_PATHS)) {
  const output = await runPrismaCli(["generate", "--schema", schemaPath]);
  process.stdout.write(
    output
      .split("\n")
      .filter((line) => line.startsWith("✔"))
      .join("\n") + "\n",
  );
}
