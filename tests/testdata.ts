// Where the files TensorFlow wrote live (see their README.md): KILN_TESTDATA, else the project's shared folder beside the
// checkout (../shared/testdata/tf, the canonical copy), else the copy in tests/testdata/tf, which is committed so a
// clone checked out on its own (CI) still tests against TensorFlow's files. Nothing found fails loudly: never skipped.
import fs from 'node:fs';
import path from 'node:path';

function findTestdata(): string {
  const candidates = [
    process.env.KILN_TESTDATA,
    path.resolve(process.cwd(), '../shared/testdata/tf'),
    path.resolve(process.cwd(), 'tests/testdata/tf'),
  ].filter((p): p is string => p !== undefined && p !== '');
  const found = candidates.find((p) => fs.existsSync(path.join(p, 'README.md')));
  if (found === undefined) {
    throw new Error(`TensorFlow test files not found (looked in ${candidates.join(', ')}); set KILN_TESTDATA to the testdata/tf folder`);
  }
  return found;
}

/** The testdata/tf folder. */
export const TF_TESTDATA = findTestdata();
