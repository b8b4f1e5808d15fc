import { classSummary, describeFailure, runFuzz } from './fuzz';
const t0 = Date.now();
const result = runFuzz(20261128, 3500);
console.log('cases', result.ms.length, 'failures', result.failures.length, 's', (Date.now() - t0) / 1000);
for (const line of classSummary(result)) console.log(line);
for (const f of result.failures.slice(0, 10)) console.log(describeFailure(f));
