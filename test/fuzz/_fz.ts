import { runFuzz } from './fuzz';
const t0 = Date.now();
const { failures, ms } = runFuzz(20261128, 3500);
console.log('cases', ms.length, 'failures', failures.length, 's', (Date.now() - t0) / 1000);
for (const f of failures.slice(0, 10)) console.log(f.caseNo, f.file, f.how, f.problems.join('; '));
