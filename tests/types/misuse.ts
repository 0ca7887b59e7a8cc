// Not a valid use: a string is no root. tsc must refuse it (tests/types.test.mjs).
import { swapNumbers } from "calltrack";
void swapNumbers({ numbers: {}, root: "body" });
