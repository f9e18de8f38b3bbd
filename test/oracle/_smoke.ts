import { computeOracle } from '../../src/core/oracle/index';
import { fromRows } from '../../src/core/linalg/mat';
const X = fromRows([[1,0,1],[0,1,1],[-1,-1,1]]);
const L = fromRows([[1],[-2],[0.5]]);
console.log(computeOracle(X, L));
console.log(computeOracle(fromRows([[1,0],[0,1],[-1,-1]]), L, {hiddenBias:'free'}));
console.log(computeOracle(fromRows([[1,0],[0,1],[-1,-1]]), fromRows([[1],[-2],[1]]), {hiddenBias:'free'}));
