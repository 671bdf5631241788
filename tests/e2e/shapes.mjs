/* the column counts of the describe_dataset shapes */
export const SHAPES = [3, 5, 8, 12, 20, 40, 80, 150, 220, 300];
