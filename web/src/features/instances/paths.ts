export const INSTANCES_PATH = "/console/instances";

export function instancePath(idInstance: number): string {
  return `${INSTANCES_PATH}/${idInstance}`;
}
